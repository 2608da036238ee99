"""POST /api/o/token/: the password grant, client authentication, scopes, lifetimes and refusals."""

import pytest
from django.test import Client
from django.utils import timezone

from config import runtime
from tests import factories
from tests.support.oauth import FORM, app_with_secret, basic, bearer, password_grant, post_form
from tokens.models import AccessToken
from tokensvc import tokenformat


def test_password_grant_issues_a_bearer_token_listed_in_the_api(org, org_member, client_for):
    app, secret = app_with_secret(org)
    response = password_grant(app, secret, org_member)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read write"
    assert body["expires_in"] == runtime.get("ACCESS_TOKEN_EXPIRE_SECONDS")
    assert tokenformat.kind(body["access_token"]) == tokenformat.ACCESS
    assert tokenformat.kind(body["refresh_token"]) == tokenformat.REFRESH

    row = AccessToken.objects.get(user=org_member, application=app)
    assert row.token_hint == tokenformat.hint(body["access_token"])
    assert row.token == ""  # only the digest is stored
    assert Client().get("/api/v2/me/", **bearer(body["access_token"])).status_code == 200
    listed = client_for(org_member).get("/api/v2/tokens/").json()["results"]
    assert row.pk in [item["id"] for item in listed]
    assert [item["application"] for item in listed if item["id"] == row.pk] == [app.pk]


def test_client_credentials_may_be_sent_as_form_fields(org, org_member):
    app, secret = app_with_secret(org)
    data = {
        "grant_type": "password",
        "username": org_member.username,
        "password": factories.PASSWORD,
        "client_id": app.client_id,
        "client_secret": secret,
        "scope": "read",
    }
    response = post_form("/api/o/token/", data)
    assert response.status_code == 200
    assert response.json()["scope"] == "read"


def test_public_client_sends_only_its_client_id(org, org_member):
    app, _ = app_with_secret(org, client_type="public")
    data = {
        "grant_type": "password",
        "username": org_member.username,
        "password": factories.PASSWORD,
        "client_id": app.client_id,
    }
    assert post_form("/api/o/token/", data).status_code == 200


@pytest.mark.parametrize(
    "scope, status, error",
    [
        ("read", 200, None),
        ("write", 200, None),
        ("read write", 200, None),
        ("admin", 400, "invalid_scope"),
        ("read delete", 400, "invalid_scope"),
    ],
)
def test_scopes(org, org_member, scope, status, error):
    app, secret = app_with_secret(org)
    response = password_grant(app, secret, org_member, scope=scope)
    assert response.status_code == status
    if error:
        assert response.json()["error"] == error
    else:
        assert response.json()["scope"] == scope


def test_password_grant_only_for_password_applications(org, org_member):
    app, secret = app_with_secret(
        org, client_type="confidential", authorization_grant_type="authorization-code", redirect_uris="https://c/cb"
    )
    response = password_grant(app, secret, org_member)
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "unauthorized_client"
    assert not AccessToken.objects.filter(user=org_member).exists()


@pytest.mark.parametrize(
    "case",
    ["wrong secret", "unknown client", "wrong password", "unknown user", "no client"],
)
def test_bad_credentials_are_oauth_errors(org, org_member, case):
    app, secret = app_with_secret(org)
    data = {"grant_type": "password", "username": org_member.username, "password": factories.PASSWORD}
    headers = basic(app.client_id, secret)
    expected = "invalid_grant"
    if case == "wrong secret":
        headers, expected = basic(app.client_id, "nope"), "invalid_client"
    elif case == "unknown client":
        headers, expected = basic("no-such-client", secret), "invalid_client"
    elif case == "wrong password":
        data["password"] = "wrong"
    elif case == "unknown user":
        data["username"] = "ghost"
    elif case == "no client":
        headers, expected = {}, "invalid_client"
    response = post_form("/api/o/token/", data, headers)
    assert 400 <= response.status_code < 500
    assert response.json()["error"] == expected
    assert response.json()["error_description"]
    assert not AccessToken.objects.filter(user=org_member).exists()


def test_lifetime_follows_the_runtime_setting(org, org_member, client_for, superuser):
    admin = client_for(superuser)
    changed = admin.patch(
        "/api/v2/settings/authentication/", {"OAUTH2_PROVIDER": {"ACCESS_TOKEN_EXPIRE_SECONDS": 120}}, format="json"
    )
    assert changed.status_code == 200
    app, secret = app_with_secret(org)
    before = timezone.now()
    response = password_grant(app, secret, org_member)
    assert response.json()["expires_in"] == 120
    row = AccessToken.objects.get(user=org_member, application=app)
    assert 115 <= (row.expires - before).total_seconds() <= 125


@pytest.mark.parametrize(
    "path", ["/api/o/token/", "/api/o/revoke_token/", "/api/o/revoke-token/", "/api/o/introspect/"]
)
def test_json_bodies_are_refused_with_a_clear_message(org, path):
    app, secret = app_with_secret(org)
    response = Client().post(
        path,
        data={"grant_type": "password", "token": "x"},
        content_type="application/json",
        **basic(app.client_id, secret),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "This endpoint only accepts application/x-www-form-urlencoded request bodies.",
    }


@pytest.mark.parametrize(
    "path", ["/api/o/token/", "/api/o/revoke_token/", "/api/o/revoke-token/", "/api/o/introspect/"]
)
@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_other_methods_are_405_json(path, method, db):
    response = getattr(Client(), method)(path)
    assert response.status_code == 405
    assert response.json()["error"] == "invalid_request"
    assert "POST" in response["Allow"]


def test_root_lists_the_endpoints(db):
    response = Client().get("/api/o/")
    assert response.status_code == 200
    body = response.json()
    assert body["authorize"] == "/api/o/authorize/"
    assert body["token"] == "/api/o/token/"
    assert body["revoke_token"] == "/api/o/revoke_token/"
    assert body["introspect"] == "/api/o/introspect/"


def test_metadata_describes_the_endpoints(db):
    response = Client().get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    body = response.json()
    assert body["issuer"] == "http://testserver"
    assert body["token_endpoint"] == "http://testserver/api/o/token/"
    assert body["authorization_endpoint"] == "http://testserver/api/o/authorize/"
    assert body["revocation_endpoint"] == "http://testserver/api/o/revoke_token/"
    assert body["introspection_endpoint"] == "http://testserver/api/o/introspect/"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert set(body["grant_types_supported"]) == {"authorization_code", "password", "refresh_token"}
    assert body["response_types_supported"] == ["code"]
    assert body["scopes_supported"] == ["read", "write"]


def _fuzz_cases():
    many = "&".join(f"f{i}=1" for i in range(2000))
    return [
        ("empty body", "", {}),
        ("no grant type", "username=a&password=b", {}),
        ("unknown grant type", "grant_type=magic", {}),
        ("client credentials grant", "grant_type=client_credentials", {}),
        ("implicit as grant", "grant_type=implicit", {}),
        ("device code without code", "grant_type=urn:ietf:params:oauth:grant-type:device_code", {}),
        ("device code", "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=x", {}),
        ("missing password", "grant_type=password&username=org_member", {}),
        ("huge username", "grant_type=password&password=x&username=" + "u" * 200_000, {}),
        ("huge body", "grant_type=password&password=" + "p" * 3_000_000, {}),
        ("too many fields", many, {}),
        ("nul byte username", "grant_type=password&password=x&username=a%00b", {}),
        ("bad percent escape", "grant_type=password&username=%zz&password=%", {}),
        ("non utf8", "grant_type=password&username=%ff%fe&password=x", {}),
        ("duplicate grant", "grant_type=password&grant_type=refresh_token", {}),
        ("refresh without token", "grant_type=refresh_token", {}),
        ("refresh unknown token", "grant_type=refresh_token&refresh_token=tsr_nope", {}),
        ("code without code", "grant_type=authorization_code", {}),
        ("code unknown", "grant_type=authorization_code&code=x&redirect_uri=https://c/cb&code_verifier=y", {}),
        ("nonsense basic", "grant_type=password", {"HTTP_AUTHORIZATION": "Basic !!!not-base64"}),
        ("basic without colon", "grant_type=password", {"HTTP_AUTHORIZATION": "Basic Zm9v"}),
        ("bearer instead of basic", "grant_type=password", {"HTTP_AUTHORIZATION": "Bearer tsa_x"}),
        ("scope garbage", "grant_type=password&username=a&password=b&scope=%00%01", {}),
    ]


@pytest.mark.parametrize("path", ["/api/o/token/", "/api/o/revoke_token/", "/api/o/introspect/"])
@pytest.mark.parametrize("name, body, headers", _fuzz_cases(), ids=[case[0] for case in _fuzz_cases()])
def test_any_input_gets_a_json_oauth_error_never_a_500(org, org_member, path, name, body, headers):
    response = Client().post(path, data=body, content_type=FORM, **headers)
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    if response.status_code >= 400:
        assert "error" in response.json()


@pytest.mark.parametrize("path", ["/api/o/token/", "/api/o/revoke_token/", "/api/o/introspect/"])
def test_query_string_parameters_are_an_error_not_a_500(org, org_member, path):
    app, secret = app_with_secret(org)
    response = Client().post(
        path + "?grant_type=password&token=x",
        data=f"grant_type=password&username={org_member.username}&password=x&token=y",
        content_type=FORM,
        **basic(app.client_id, secret),
    )
    assert response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
