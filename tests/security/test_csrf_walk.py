"""A signed-in browser session cannot write anywhere without the CSRF token: every route, every unsafe method.

The routes come from the URL resolver (tests/support/routes.py) plus the dialect's, so that a
route added later is walked too. A request without the token must be refused 403 naming CSRF,
and change nothing. Views that read no session are exempt by design, and must refuse the
walk's request on their own: the OAuth2 endpoints that authenticate a client, not a browser
(token, revocation, introspection), and API views without session authentication.
"""

import pytest
from django.test import Client
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

from tests import factories
from tests.support.routes import all_routes, fill, route_world, snapshot

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
DIALECT_URLS = [
    "/Default/_apis",
    "/Default/_apis/tokens/pats?api-version=7.1-preview.1",
    "/Default/_apis/tokenadmin/personalaccesstokens?api-version=7.1-preview.1",
    "/Default/_apis/tokenadmin/revocations?api-version=7.1-preview.1",
    "/Default/_apis/tokenadmin/revocationrules?api-version=7.1-preview.1",
]
# Client authentication only (RFC 6749 section 2.3; RFC 7009; RFC 7662): no cookie is read.
CLIENT_AUTHENTICATED = {"/api/o/token/", "/api/o/revoke_token/", "/api/o/revoke-token/", "/api/o/introspect/"}


@pytest.fixture
def world(db, superuser, org):
    made = route_world(superuser, org)
    factories.personal_token(superuser)
    return made


def reads_the_session(view) -> bool:
    """Whether a signed-in browser's cookie authenticates anything here."""
    if isinstance(view, type) and issubclass(view, APIView):
        return any(issubclass(cls, SessionAuthentication) for cls in view.authentication_classes)
    return True


def walked_urls():
    """(url, whether the view reads the session) for every route."""
    urls = {}
    for route, view in all_routes():
        if "(?P" in route or route.startswith("static/"):
            continue
        for existing in (True, False):
            url = fill(route, view, existing=existing)
            if url is not None:
                urls[url] = reads_the_session(view) and url not in CLIENT_AUTHENTICATED
    return sorted(urls.items()) + [(url, True) for url in DIALECT_URLS]


def test_no_session_write_goes_through_without_the_csrf_token(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["superuser"])
    browser.get("/api/")  # the CSRF cookie is set: only the token in the request is missing
    assert "csrftoken" in browser.cookies
    urls = walked_urls()
    assert len(urls) > 60
    before = snapshot()
    refused = 0
    for url, session_authenticated in urls:
        for method in UNSAFE_METHODS:
            response = browser.generic(method, url, b'{"name": "csrf", "description": "csrf"}', "application/json")
            where = f"{method} {url}: {response.status_code} {response.content[:200]!r}"
            if not session_authenticated:
                assert 400 <= response.status_code < 500, where
                continue
            assert response.status_code == 403, where
            assert b"CSRF" in response.content, where
            refused += 1
    assert snapshot() == before
    assert refused > 200


def test_the_same_writes_go_through_with_the_token(world):
    """The walk's refusals are CSRF's, not some other check's: with the token, a write succeeds."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["superuser"])
    browser.get("/api/")
    token = browser.cookies["csrftoken"].value
    created = browser.post(
        "/api/v2/tokens/", {"description": "with csrf"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert created.status_code == 201
    renamed = browser.patch(
        f"/api/v2/tokens/{created.json()['id']}/",
        {"description": "renamed"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert renamed.status_code == 200
