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
