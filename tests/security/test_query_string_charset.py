"""A GET's query string is decoded in its Content-Type's charset: NUL and lone surrogates pass the middleware."""

import pytest
from django.test import Client

from tests import factories

# Each query decodes to NUL or a lone surrogate only in the charset named by the Content-Type;
# read as UTF-8 (as the middleware reads it) it is harmless text.
CASES = [
    ("/api/v2/users/?search=%5Cx00", "unicode_escape", "search"),
    ("/api/v2/activity_stream/?search=%5Cx00", "unicode_escape", "search"),
    ("/api/v2/organizations/?description__icontains=%5Cx00", "unicode_escape", "description__icontains"),
    ("/api/v2/users/?search=%2B2AA-", "utf-7", "search"),
    ("/api/v2/users/?search=%5Cud800", "raw_unicode_escape", "search"),
    ("/api/v2/tokens/?description__startswith=%5Cud800", "unicode_escape", "description__startswith"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("url", "charset", "param"), CASES)
def test_query_string_decoded_in_a_declared_charset_is_refused_not_500(superuser, org, url, charset, param):
    value = factories.personal_token(superuser).value
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {value}")
    # A GET carrying a Content-Type: Django decodes request.GET in its charset.
    response = client.get(url, CONTENT_TYPE=f"text/plain; charset={charset}")
    assert response.status_code == 400, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    detail = response.content.decode()
    assert "NUL" in detail or "surrogate" in detail or param in detail, detail


@pytest.mark.django_db(transaction=True)
def test_anonymous_query_string_charset_trick_is_refused_before_authentication(org):
    # Same trick without credentials: the middleware must refuse it on every route.
    client = Client(raise_request_exception=False)
    response = client.get("/api/v2/users/?search=%5Cx00", CONTENT_TYPE="text/plain; charset=unicode_escape")
    assert response.status_code == 400, (response.status_code, response.content[:200])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "url",
    [
        "/api/v2/users/?search=%FF",
        "/api/v2/users/?search=caf%E9",
        "/api/v2/tokens/?%FF=1",
        "/api/v2/ping/?q=%C3%28",
        "/api/v2/organizations/?name__icontains=%ED%A0%80",
    ],
)
def test_a_query_string_that_is_not_utf8_is_refused(superuser, url):
    """Found by the wider corpus: Django read U+FFFD in place of the bytes and searched for it (200)."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {factories.personal_token(superuser).value}")
    for method in ("GET", "POST"):
        response = client.generic(method, url)
        assert response.status_code == 400, (method, response.content[:200])
        assert response.json()["detail"] == "The query string is not valid utf-8 text."


@pytest.mark.django_db(transaction=True)
def test_a_query_string_in_a_declared_latin1_is_read_in_it(superuser):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {factories.personal_token(superuser).value}")
    response = client.get("/api/v2/users/?search=caf%E9", CONTENT_TYPE="text/plain; charset=latin-1")
    assert response.status_code == 200, response.content


@pytest.mark.django_db(transaction=True)
def test_an_oauth_route_refuses_a_query_that_is_not_utf8_as_an_oauth_error(org):
    response = Client().get("/api/o/authorize/?client_id=%FF&response_type=code")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
