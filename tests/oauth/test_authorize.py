"""GET/POST /api/o/authorize/ and the authorization_code grant with PKCE (S256)."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.support.oauth import (
    CALLBACK,
    app_with_secret,
    basic,
    bearer,
    exchange_code,
    give_consent,
    pkce_pair,
    post_form,
    query_of,
    signed_in,
)
from tokens.models import AccessToken, Grant


@pytest.fixture
def public_app(org):
    app, _ = app_with_secret(
        org,
        name="SPA",
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris=CALLBACK,
    )
    return app


def _authorize_url(app, challenge=None, method="S256", redirect_uri=CALLBACK, **extra):
    params = {"response_type": "code", "client_id": app.client_id, "redirect_uri": redirect_uri, "state": "xyz"}
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method=method)
    params.update(extra)
    return "/api/o/authorize/?" + urlencode(params)


def test_without_a_session_the_user_is_sent_to_log_in(public_app):
    _, challenge = pkce_pair()
    url = _authorize_url(public_app, challenge)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/api/login/?next=")
    assert response["Location"].startswith("/api/login/?next=/api/o/authorize/%3Fresponse_type%3Dcode")


def test_bearer_token_is_not_a_browser_session(public_app, org_member, client_for):
    _, challenge = pkce_pair()
    pat = client_for(org_member).token_value
    response = Client().get(_authorize_url(public_app, challenge), **bearer(pat))
    assert response.status_code == 302
    assert response["Location"].startswith("/api/login/")


def test_full_flow_with_pkce(public_app, org_member):
    verifier, challenge = pkce_pair()
    browser = signed_in(org_member)
    page = browser.get(_authorize_url(public_app, challenge))
    assert page.status_code == 200
    assert public_app.name in page.content.decode()

    consent = give_consent(browser, public_app, challenge)
    assert consent.status_code == 302
    assert consent["Location"].startswith(CALLBACK + "?")
    params = query_of(consent["Location"])
    assert params["state"] == "xyz"
    # RFC 9207: the response names its issuer, as the metadata document does.
    assert params["iss"] == Client().get("/.well-known/oauth-authorization-server").json()["issuer"]

    response = exchange_code(public_app, params["code"], verifier)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read write"
    assert Client().get("/api/v2/me/", **bearer(body["access_token"])).status_code == 200
    token = AccessToken.objects.get(user=org_member)
    assert token.application == public_app and token.token_hint == body["access_token"][-4:]
    # The code is single use.
    again = exchange_code(public_app, params["code"], verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_wrong_verifier_is_invalid_grant(public_app, org_member):
    _, challenge = pkce_pair()
    browser = signed_in(org_member)
    code = query_of(give_consent(browser, public_app, challenge)["Location"])["code"]
    response = exchange_code(public_app, code, "not-the-verifier-" + "x" * 40)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.filter(user=org_member).exists()


def test_pkce_is_required(public_app, org_member):
    response = signed_in(org_member).get(_authorize_url(public_app))
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert response["Location"].startswith(CALLBACK)
    assert params["error"] == "invalid_request"


def test_plain_pkce_is_refused(public_app, org_member):
    verifier, _ = pkce_pair()
    response = give_consent(signed_in(org_member), public_app, verifier, method="plain")
    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_request"
    assert not Grant.objects.exists()


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://client.example/cb/",
        "https://client.example/cb2",
        "https://client.example/cb?x=1",
        "http://client.example/cb",
        "https://evil.example/cb",
        "https://client.example/cb#frag",
    ],
)
def test_redirect_uri_must_match_exactly(public_app, org_member, redirect_uri):
    _, challenge = pkce_pair()
    response = signed_in(org_member).get(_authorize_url(public_app, challenge, redirect_uri=redirect_uri))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]
    assert not Grant.objects.exists()


def test_unknown_client_is_a_json_error(org_member, db):
    response = signed_in(org_member).get(
        "/api/o/authorize/?" + urlencode({"response_type": "code", "client_id": "nope", "redirect_uri": CALLBACK})
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_id" or response.json()["error"].startswith("invalid")


def test_denied_consent_redirects_with_access_denied(public_app, org_member):
    _, challenge = pkce_pair()
    response = give_consent(signed_in(org_member), public_app, challenge, allow=False)
    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "access_denied"
    assert query_of(response["Location"])["iss"] == "http://testserver"


def test_malformed_consent_form_is_a_json_error(public_app, org_member):
    browser = signed_in(org_member)
    assert post_form("/api/o/authorize/", {}, client=browser).json()["error"] == "invalid_request"
    multipart = browser.post("/api/o/authorize/", {"client_id": public_app.client_id})
    assert multipart.status_code == 400 and multipart.json()["error"] == "invalid_request"
    response = post_form(
        "/api/o/authorize/",
        {"client_id": "nope", "redirect_uri": CALLBACK, "response_type": "code", "scope": "read", "allow": "1"},
        client=browser,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_skip_authorization_goes_straight_back_with_a_code(org, org_member):
    app, secret = app_with_secret(
        org,
        name="Internal",
        authorization_grant_type="authorization-code",
        redirect_uris=CALLBACK,
        skip_authorization=True,
    )
    verifier, challenge = pkce_pair()
    response = signed_in(org_member).get(_authorize_url(app, challenge, scope="read"))
    assert response.status_code == 302
    code = query_of(response["Location"])["code"]
    token = exchange_code(app, code, verifier, headers=basic(app.client_id, secret), client_id=False)
    assert token.status_code == 200
    assert token.json()["scope"] == "read"


def test_confidential_client_must_authenticate_for_the_code(org, org_member):
    app, secret = app_with_secret(
        org, name="Web", authorization_grant_type="authorization-code", redirect_uris=CALLBACK, skip_authorization=True
    )
    verifier, challenge = pkce_pair()
    code = query_of(signed_in(org_member).get(_authorize_url(app, challenge))["Location"])["code"]
    response = exchange_code(app, code, verifier)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_authorization_code_lifetime_follows_the_runtime_setting(public_app, org_member):
    from config import runtime

    runtime.update({"AUTHORIZATION_CODE_EXPIRE_SECONDS": 30})
    _, challenge = pkce_pair()
    give_consent(signed_in(org_member), public_app, challenge)
    grant = Grant.objects.get()
    assert 25 <= (grant.expires - grant.created).total_seconds() <= 35


def test_external_user_cannot_exchange_a_code(public_app, org, sso_browser):
    from tests import factories

    external = factories.user("ext", member_of=[org], external_account="ldap")
    verifier, challenge = pkce_pair()
    # An account of an external provider signs in only through it (the single-sign-on header).
    code = query_of(give_consent(sso_browser(external), public_app, challenge)["Location"])["code"]
    response = exchange_code(public_app, code, verifier)
    assert response.status_code == 403
    assert response.json() == {
        "error": "access_denied",
        "error_description": "OAuth2 Tokens cannot be created by users associated with an external "
        "authentication provider (ldap)",
    }
    assert not AccessToken.objects.filter(user=external).exists()


def test_resource_indicators_of_the_grant_bind_the_token(public_app, org_member):
    """The grant is found by the digest of its code when the token request names resources too."""
    browser = signed_in(org_member)

    def code_for(challenge):
        data = {
            "client_id": public_app.client_id,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "state": "xyz",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "scope": "read",
            "resource": "https://api.example/",
            "allow": "Authorize",
        }
        consent = post_form("/api/o/authorize/", data, client=browser)
        assert consent.status_code == 302, consent.content
        return query_of(consent["Location"])["code"]

    verifier, challenge = pkce_pair()
    inherited = exchange_code(public_app, code_for(challenge), verifier)
    assert inherited.status_code == 200, inherited.content
    assert AccessToken.objects.get(user=org_member).resource == ["https://api.example/"]

    verifier, challenge = pkce_pair()
    code = code_for(challenge)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
        "client_id": public_app.client_id,
        "resource": "https://elsewhere.example/",
    }
    widened = post_form("/api/o/token/", data)
    assert widened.status_code == 400 and widened.json()["error"] == "invalid_target"
    assert AccessToken.objects.filter(user=org_member).count() == 1
