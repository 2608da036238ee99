"""Input refused by Django itself (field counts, body size, form charset) must still be a JSON 400.

The README promises that breaking a limit is "a 400 with a JSON message", and the OAuth2
endpoints answer errors as OAuth error objects, never HTML. Django raises these refusals
(TooManyFieldsSent, RequestDataTooBig, BadRequest for a non-UTF-8 form) outside the views'
error handling, so they come back as Django's HTML "Bad Request (400)" page.
"""

import pytest
from django.test import Client

from tests import factories

FORM = "application/x-www-form-urlencoded"
MANY = "&".join(f"a{i}=1" for i in range(1001))


def bearer(user) -> Client:
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {factories.personal_token(user).value}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/api/o/token/", b"grant_type=password&username=x&password=y", f"{FORM}; charset=latin-1"),
        ("/api/o/revoke_token/", b"token=x", f"{FORM}; charset=iso-8859-1"),
        ("/api/o/introspect/", b"token=x", f"{FORM}; charset=utf-16"),
    ],
)
def test_oauth_form_in_another_charset_is_an_oauth_error_object(path, body, content_type):
    response = Client(raise_request_exception=False).generic("POST", path, data=body, content_type=content_type)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json"), response.content[:120]
    assert response.json()["error"] == "invalid_request"


@pytest.mark.django_db(transaction=True)
def test_oauth_authorize_with_too_many_query_parameters_is_an_oauth_error_object():
    response = Client(raise_request_exception=False).get("/api/o/authorize/?" + MANY)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json"), response.content[:120]
    assert response.json()["error"] == "invalid_request"


@pytest.mark.django_db(transaction=True)
def test_list_with_too_many_query_parameters_is_a_json_400(superuser):
    response = bearer(superuser).get("/api/v2/users/?" + "&".join(f"username=u{i}" for i in range(1001)))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json"), response.content[:120]
    assert "detail" in response.json()


@pytest.mark.django_db(transaction=True)
def test_form_with_too_many_fields_is_a_json_400(superuser):
    response = bearer(superuser).generic("POST", "/api/v2/organizations/", data=MANY.encode(), content_type=FORM)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json"), response.content[:120]


@pytest.mark.django_db(transaction=True)
def test_json_body_over_the_upload_limit_is_a_json_400(superuser, settings):
    body = b'{"name": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    response = bearer(superuser).generic("POST", "/api/v2/organizations/", data=body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json"), response.content[:120]
