"""NUL characters anywhere a request carries text are a 400 with a JSON message, on every database.

PostgreSQL refuses NUL in text ("string literal cannot contain NUL characters"), so each of
these reached a query and answered 500 there; SQLite stored or compared them silently.
"""

import base64
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests import factories
from tests.support.oauth import FORM, app_with_secret, basic, post_form
from tokens.models import AccessToken
from users.models import Organization


def _basic(username, password) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def _refused(response, oauth=False):
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    message = body["error_description"] if oauth else body["detail"]
    assert "NUL" in message
    return message


@pytest.mark.parametrize(
    "url",
    [
        "/api/v2/ping/?x=%00",
        "/api/v2/ping/?x=\x00",
        "/api/v2/users/?search=a%00b",
        "/api/v2/users/?username=%00",
        "/api/v2/users/?order_by=%00",
        "/api/v2/users/al%00ice/",
        "/api/v2/users/al%00ice/tokens/",
        "/api/v2/applications/?name__icontains=%00",
        "/api/o/authorize/?client_id=%00&response_type=code",
    ],
)
def test_nul_in_the_path_or_query_is_400(url, client_for, superuser):
    response = client_for(superuser).get(url)
    message = _refused(response, oauth=url.startswith("/api/o/"))
    assert ("path" in message) or ("query" in message)


def test_nul_on_an_anonymous_route(db):
    _refused(Client().get("/api/v2/ping/", {"q": "\x00"}))


@pytest.mark.parametrize(
    "headers",
    [
        _basic("ro\x00ot", "x"),
        _basic("root", "pass\x00word"),
        _basic("ro%00ot", "x"),
        {"HTTP_AUTHORIZATION": "Bearer tsp_\x00abc"},
        {"HTTP_AUTHORIZATION": "Basic \x00"},
        {"HTTP_COOKIE": 'sessionid="\\000abc"'},
    ],
    ids=["basic-user", "basic-password", "basic-percent", "bearer", "raw-header", "cookie"],
)
def test_nul_in_credentials_is_400(headers, superuser):
    message = _refused(Client().get("/api/v2/me/", **headers))
    assert "NUL" in message


def test_the_basic_authentication_class_refuses_nul_itself(rf, superuser):
    """Behind the middleware, the authentication class is the second line: 400, no lookup."""
    from rest_framework.exceptions import ParseError

    from oauth.authentication import BasicAuthentication

    request = rf.get("/", **_basic("ro\x00ot", "x"))
    with pytest.raises(ParseError):
        BasicAuthentication().authenticate(request)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/api/o/token/", {"grant_type": "password", "username": "u\x00", "password": "x"}),
        ("/api/o/token/", {"grant_type": "password", "username": "u", "password": "x", "client_id": "c\x00"}),
        ("/api/o/token/", {"grant_type": "refresh_token", "refresh_token": "tsr_\x00"}),
        ("/api/o/token/", {"grant_type": "authorization_code", "code": "\x00", "code_verifier": "x"}),
        ("/api/o/revoke_token/", {"token": "tsa_\x00", "client_id": "c"}),
        ("/api/o/introspect/", {"token": "tsa_\x00"}),
    ],
)
def test_nul_in_oauth_form_fields_is_400(path, data, org):
    app, secret = app_with_secret(org)
    response = post_form(path, data, basic(app.client_id, secret))
    message = _refused(response, oauth=True)
    assert response.json()["error"] == "invalid_request"
    assert repr(next(key for key, value in data.items() if "\x00" in value)) in message


def test_nul_in_an_oauth_client_id_sent_with_basic_is_400(org):
    response = post_form(
        "/api/o/token/", {"grant_type": "password", "username": "u", "password": "x"}, _basic("a%00", "s")
    )
    _refused(response, oauth=True)


def test_nul_in_a_form_body_of_the_api_is_400_naming_the_field(client_for, superuser):
    response = client_for(superuser).post(
        "/api/v2/organizations/", urlencode({"name": "Acme", "description": "a\x00b"}), content_type=FORM
    )
    assert "'description'" in _refused(response)
    assert not Organization.objects.filter(name="Acme").exists()


def test_nul_in_the_login_form_is_400(db):
    response = Client().post("/api/login/", urlencode({"username": "ro\x00ot", "password": "x"}), content_type=FORM)
    _refused(response)


def test_nul_in_a_json_string_is_400_naming_the_field(client_for, superuser):
    response = client_for(superuser).post("/api/v2/organizations/", {"name": "A\x00cme"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_clean_requests_still_work(client_for, org_member, org):
    app, secret = app_with_secret(org)
    assert Client().get("/api/v2/ping/").status_code == 200
    assert Client().get("/api/v2/me/", **_basic(org_member.username, factories.PASSWORD)).status_code == 200
    data = {"grant_type": "password", "username": org_member.username, "password": factories.PASSWORD}
    assert post_form("/api/o/token/", data, basic(app.client_id, secret)).status_code == 200
    assert AccessToken.objects.filter(user=org_member, application=app).exists()
