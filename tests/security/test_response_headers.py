"""Every response, whoever answers it (a view, a refusal before any view, a static file, a 404), says nosniff,
names a Referrer-Policy and may not be framed."""

from django.test import Client
from rest_framework.test import APIClient

from tests import factories
from tests.support.routes import all_routes, fill

# Regular-expression routes of the dialect, filled by hand; every other route is filled by the walk.
DIALECT_URLS = [
    "/Default/_apis",
    "/Default/_apis/tokens/pats?api-version=7.1-preview.1",
    "/Default/_apis/tokenadmin/personalaccesstokens?api-version=7.1-preview.1",
    "/Default/_apis/tokenadmin/revocations?api-version=7.1-preview.1",
    "/Default/_apis/tokenadmin/revocationrules?api-version=7.1-preview.1",
]
# Answered before any view: a NUL in the path, an unknown path, a static file, an OAuth2 refusal.
ANSWERED_BEFORE_VIEWS = [
    "/api/v2/users/%00/",
    "/no/such/page/",
    "/static/rest_framework/css/bootstrap.min.css",
    "/api/o/token/",
]


def walked_urls():
    urls = []
    for route, view in all_routes():
        if "(?P" in route:
            continue  # the dialect's regular expressions: DIALECT_URLS
        url = fill(route, view, existing=True) or fill(route, view, existing=False)
        if url is not None:
            urls.append(url)
    return urls + DIALECT_URLS + ANSWERED_BEFORE_VIEWS


def assert_headers(response, where):
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}, where
    framing = response.get("X-Frame-Options") == "DENY" or "frame-ancestors 'none'" in response.get(
        "Content-Security-Policy", ""
    )
    assert framing, f"{where} may be framed"


def test_every_route_sends_the_security_headers_to_everyone(world):
    urls = walked_urls()
    assert len(urls) > 60
    session = Client()
    session.force_login(world["superuser"])
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {factories.personal_token(world['superuser']).value}")
    html_pages = 0
    for url in urls:
        for name, client, accept in (
            ("anonymous", Client(), "application/json"),
            ("session", session, "text/html"),
            ("bearer", bearer, "application/json"),
        ):
            response = client.get(url, HTTP_ACCEPT=accept)
            where = f"{name} GET {url} ({response.status_code})"
            assert_headers(response, where)
            if response.get("Content-Type", "").startswith("text/html"):
                html_pages += 1
                assert response["X-Frame-Options"] == "DENY", where
    assert html_pages > 20


def test_refusals_and_errors_carry_them_too(world):
    client = Client()
    for response, where in (
        (client.post("/api/v2/tokens/", b"a=\x00", content_type="application/x-www-form-urlencoded"), "NUL body"),
        (client.generic("BREW", "/api/v2/"), "unknown method"),
        (client.post("/api/o/token/", {"grant_type": "password"}), "OAuth2 refusal"),
        (Client(enforce_csrf_checks=True).post("/signin/", {"username": "x"}), "CSRF failure"),
    ):
        assert response.status_code >= 400, where
        assert_headers(response, where)
