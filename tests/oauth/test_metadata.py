"""The metadata document advertises what the endpoints accept, every value of it, and nothing else."""

import itertools

import pytest
from django.test import Client

from tests import factories
from tests.support.oauth import app_with_secret, basic, bearer, pkce_pair, post_form, query_of

CALLBACK = "https://client.example/cb"
BASE = "http://testserver"
_names = itertools.count()

EXPECTED = {
    "issuer": BASE,
    "authorization_endpoint": f"{BASE}/api/o/authorize/",
    "token_endpoint": f"{BASE}/api/o/token/",
    "revocation_endpoint": f"{BASE}/api/o/revoke_token/",
    "introspection_endpoint": f"{BASE}/api/o/introspect/",
    "response_types_supported": ["code"],
    "grant_types_supported": ["authorization_code", "password", "refresh_token"],
    "code_challenge_methods_supported": ["S256"],
    "scopes_supported": ["read", "write"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    "client_id_metadata_document_supported": False,
    "authorization_response_iss_parameter_supported": True,
}


@pytest.fixture
def metadata(db):
    response = Client().get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    return response.json()


def test_the_document_claims_exactly_this_and_nothing_more(metadata):
    # Any new field must be added here, with a test below showing that it is true.
    assert metadata == EXPECTED


# Every advertised value is accepted --------------------------------------------------------


def _client(org, method, grant="password", **fields):
    """An application authenticating with `method`, and how its requests carry that (headers, form)."""
    client_type = "public" if method == "none" else "confidential"
    app, secret = app_with_secret(org, name=f"{method} {grant} {next(_names)}", client_type=client_type, **fields)
    if method == "client_secret_basic":
        return app, basic(app.client_id, secret), {}
    if method == "client_secret_post":
        return app, {}, {"client_id": app.client_id, "client_secret": secret}
    assert method == "none", method
    return app, {}, {"client_id": app.client_id}


def _authorization_code(org, user, method, response_type="code", challenge_method="S256", scope="read write"):
    app, headers, form = _client(
        org, method, grant="code", authorization_grant_type="authorization-code", redirect_uris=CALLBACK
    )
    verifier, challenge = pkce_pair()
    browser = Client()
    browser.force_login(user)
    consent = post_form(
        "/api/o/authorize/",
        {
            "client_id": app.client_id,
            "redirect_uri": CALLBACK,
            "response_type": response_type,
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": challenge_method,
            "scope": scope,
            "allow": "Authorize",
        },
        client=browser,
    )
    assert consent.status_code == 302, consent.content
    code = query_of(consent["Location"])["code"]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier}
    return app, headers, form, post_form("/api/o/token/", {**data, **form}, headers)


def _password(org, user, method, scope=None):
    app, headers, form = _client(org, method)
    data = {"grant_type": "password", "username": user.username, "password": factories.PASSWORD}
    if scope:
        data["scope"] = scope
    return app, headers, form, post_form("/api/o/token/", {**data, **form}, headers)


def test_each_advertised_grant_type_issues_tokens(metadata, org, org_member):
    for grant_type in metadata["grant_types_supported"]:
        if grant_type == "authorization_code":
            *_, response = _authorization_code(org, org_member, "none")
        elif grant_type == "password":
            *_, response = _password(org, org_member, "client_secret_basic")
        else:
            assert grant_type == "refresh_token", f"no acceptance check for {grant_type}"
            app, headers, form, first = _password(org, org_member, "client_secret_post")
            data = {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]}
            response = post_form("/api/o/token/", {**data, **form}, headers)
        assert response.status_code == 200, (grant_type, response.content)
        assert Client().get("/api/v2/me/", **bearer(response.json()["access_token"])).status_code == 200


def test_each_advertised_response_type_and_challenge_method_works(metadata, org, org_member):
    for response_type in metadata["response_types_supported"]:
        for challenge_method in metadata["code_challenge_methods_supported"]:
            *_, response = _authorization_code(
                org, org_member, "none", response_type=response_type, challenge_method=challenge_method
            )
            assert response.status_code == 200, (response_type, challenge_method, response.content)


def test_each_advertised_scope_can_be_granted(metadata, org, org_member):
    for scope in metadata["scopes_supported"]:
        *_, response = _password(org, org_member, "client_secret_basic", scope=scope)
        assert response.status_code == 200 and response.json()["scope"] == scope


def test_each_advertised_token_endpoint_auth_method_works(metadata, org, org_member):
    for method in metadata["token_endpoint_auth_methods_supported"]:
        if method == "none":
            # A public client uses the authorization-code grant.
            *_, response = _authorization_code(org, org_member, method)
        else:
            *_, response = _password(org, org_member, method)
        assert response.status_code == 200, (method, response.content)


def test_each_advertised_revocation_auth_method_works(metadata, org, org_member):
    for method in metadata["revocation_endpoint_auth_methods_supported"]:
        if method == "none":
            app, headers, form, response = _authorization_code(org, org_member, method)
        else:
            app, headers, form, response = _password(org, org_member, method)
        issued = response.json()
        revoked = post_form("/api/o/revoke_token/", {"token": issued["access_token"], **form}, headers)
        assert revoked.status_code == 200, (method, revoked.content)
        assert Client().get("/api/v2/me/", **bearer(issued["access_token"])).status_code == 401, method


def test_each_advertised_introspection_auth_method_works(metadata, org, org_member):
    for method in metadata["introspection_endpoint_auth_methods_supported"]:
        app, headers, form, response = _password(org, org_member, method)
        answer = post_form("/api/o/introspect/", {"token": response.json()["access_token"], **form}, headers)
        assert answer.status_code == 200 and answer.json()["active"] is True, (method, answer.content)


# Nothing that is refused is advertised ------------------------------------------------------


@pytest.mark.parametrize("response_type", ["token", "id_token", "id_token token", "code id_token", "code token"])
def test_response_types_not_advertised_are_refused(metadata, org, org_member, response_type):
    assert response_type not in metadata["response_types_supported"]
    app, *_ = _client(org, "none", grant="code", authorization_grant_type="authorization-code", redirect_uris=CALLBACK)
    _, challenge = pkce_pair()
    browser = Client()
    browser.force_login(org_member)
    response = browser.get(
        "/api/o/authorize/",
        {
            "client_id": app.client_id,
            "redirect_uri": CALLBACK,
            "response_type": response_type,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code in (302, 400)
    assert "error=" in response.get("Location", "") or "error" in response.json()
    assert "code=" not in response.get("Location", "")


def test_plain_pkce_is_not_advertised_and_is_refused(metadata, org, org_member):
    assert "plain" not in metadata["code_challenge_methods_supported"]
    app, *_ = _client(org, "none", grant="code", authorization_grant_type="authorization-code", redirect_uris=CALLBACK)
    verifier, _ = pkce_pair()
    browser = Client()
    browser.force_login(org_member)
    response = post_form(
        "/api/o/authorize/",
        {
            "client_id": app.client_id,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "code_challenge": verifier,
            "code_challenge_method": "plain",
            "scope": "read",
            "allow": "Authorize",
        },
        client=browser,
    )
    assert query_of(response["Location"])["error"] == "invalid_request"


@pytest.mark.parametrize("grant_type", ["client_credentials", "implicit", "openid"])
def test_grant_types_not_advertised_are_refused(metadata, org, grant_type):
    assert grant_type not in metadata["grant_types_supported"]
    app, headers, form = _client(org, "client_secret_basic")
    response = post_form("/api/o/token/", {"grant_type": grant_type, **form}, headers)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_introspection_without_client_authentication_is_refused(metadata, org, org_member):
    assert "none" not in metadata["introspection_endpoint_auth_methods_supported"]
    public, *_ = _client(
        org, "none", grant="code", authorization_grant_type="authorization-code", redirect_uris=CALLBACK
    )
    *_, issued = _password(org, org_member, "client_secret_basic")
    response = post_form("/api/o/introspect/", {"token": issued.json()["access_token"], "client_id": public.client_id})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_the_password_grant_leaves_the_list_when_the_toolkit_refuses_it(metadata, settings, org, org_member):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True}
    document = Client().get("/.well-known/oauth-authorization-server").json()
    assert "password" not in document["grant_types_supported"]
    *_, response = _password(org, org_member, "client_secret_basic")
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"
