"""Grant types not offered and repeated parameters are JSON 400s at every /api/o/ endpoint."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.support.oauth import FORM, app_with_secret, basic, pkce_pair, post_form
from tokens.models import AccessToken, Grant

CALLBACK = "https://client.example/cb"

NOT_OFFERED = [
    "openid",
    "client_credentials",
    "implicit",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "magic",
]


@pytest.fixture
def public_app(org):
    app, _ = app_with_secret(
        org, name="SPA", client_type="public", authorization_grant_type="authorization-code", redirect_uris=CALLBACK
    )
    return app


@pytest.fixture
def confidential(org):
    return app_with_secret(org, name="Web", authorization_grant_type="authorization-code", redirect_uris=CALLBACK)


def _client():
    # A crash must show as the 500 a client would get, not as an exception in the test.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("grant_type", NOT_OFFERED)
def test_a_grant_type_not_offered_is_unsupported_grant_type_for_a_public_client(public_app, grant_type):
    response = post_form(
        "/api/o/token/", {"grant_type": grant_type, "code": "x", "client_id": public_app.client_id}, client=_client()
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "unsupported_grant_type",
        "error_description": "Unsupported grant_type: use authorization_code, password, refresh_token.",
    }


@pytest.mark.parametrize("grant_type", NOT_OFFERED)
def test_a_grant_type_not_offered_is_unsupported_grant_type_for_a_confidential_client(confidential, grant_type):
    app, secret = confidential
    response = post_form(
        "/api/o/token/", {"grant_type": grant_type, "code": "x"}, basic(app.client_id, secret), client=_client()
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"] == "unsupported_grant_type"


def test_a_missing_grant_type_is_invalid_request_naming_it(public_app):
    response = post_form("/api/o/token/", {"client_id": public_app.client_id}, client=_client())
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "error_description": "The grant_type parameter is missing."}


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/o/token/", "grant_type=password&grant_type=openid"),
        ("/api/o/token/", "grant_type=authorization_code&code=a&code=b"),
        ("/api/o/token/", "grant_type=password&username=a&password=b&scope=read&scope=write"),
        ("/api/o/revoke_token/", "token=a&token=b"),
        ("/api/o/revoke_token/", "token=a&token_type_hint=access_token&token_type_hint=refresh_token"),
        ("/api/o/introspect/", "token=a&token=b"),
    ],
)
def test_a_repeated_parameter_is_a_400_naming_it(confidential, path, body):
    app, secret = confidential
    response = _client().post(path, data=body, content_type=FORM, **basic(app.client_id, secret))
    assert response.status_code == 400, response.content[:300]
    name = body.split("&")[-1].split("=")[0]
    assert response.json() == {
        "error": "invalid_request",
        "error_description": f"Repeated parameter: {name}; send each once.",
    }


@pytest.mark.parametrize(
    "repeated",
    [
        {"response_type": ["code", "token"]},
        {"code_challenge_method": ["S256", "plain"]},
        {"scope": ["read", "write"]},
        {"client_id": None},  # the client's own id, twice
    ],
    ids=["response_type", "code_challenge_method", "scope", "client_id"],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_repeated_authorize_parameter_is_a_400_and_no_code(public_app, org_member, repeated, method):
    _, challenge = pkce_pair()
    params = {
        "response_type": ["code"],
        "client_id": [public_app.client_id],
        "redirect_uri": [CALLBACK],
        "code_challenge": [challenge],
        "code_challenge_method": ["S256"],
        "scope": ["read"],
        "allow": ["Authorize"],
    }
    name, values = next(iter(repeated.items()))
    params[name] = values or params[name] * 2
    query = urlencode([(key, value) for key, values in params.items() for value in values])
    browser = _client()
    browser.force_login(org_member)
    if method == "get":
        response = browser.get("/api/o/authorize/?" + query)
    else:
        response = browser.post("/api/o/authorize/", data=query, content_type=FORM)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"] == "invalid_request"
    assert name in response.json()["error_description"]
    assert not Grant.objects.exists()


def test_resource_indicators_may_repeat(confidential, org_member):
    app, secret = confidential
    response = post_form(
        "/api/o/token/",
        {"grant_type": "password", "username": org_member.username, "password": "wrong"},
        basic(app.client_id, secret),
        client=_client(),
    )
    repeated = _client().post(
        "/api/o/token/",
        data=urlencode(
            [
                ("grant_type", "password"),
                ("username", org_member.username),
                ("password", "wrong"),
                ("resource", "https://a.example/"),
                ("resource", "https://b.example/"),
            ]
        ),
        content_type=FORM,
        **basic(app.client_id, secret),
    )
    # The same refusal with and without them: the repetition itself is not the error.
    assert repeated.status_code == response.status_code == 400
    assert repeated.json()["error"] == response.json()["error"] != "invalid_request"
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_pkce_parameters_without_client_id_are_a_400_naming_it(org_member, method, db):
    _, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "read",
        "allow": "Authorize",
    }
    browser = _client()
    browser.force_login(org_member)
    if method == "get":
        response = browser.get("/api/o/authorize/?" + urlencode(params))
    else:
        response = browser.post("/api/o/authorize/", data=urlencode(params), content_type=FORM)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"] == "invalid_request"
    assert "client_id" in response.json()["error_description"]
    assert not Grant.objects.exists()
