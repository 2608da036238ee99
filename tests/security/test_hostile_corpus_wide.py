"""More hostile input against every route: credentials, encodings, sizes, numbers and list parameters.

Companion of test_hostile_corpus.py (NUL bytes and hostile bodies per route); the routes are the
same, discovered from the URL resolver. Each answer is a 4xx with a JSON message, never a 5xx,
and a refused write leaves every row as it was.
"""

import base64
import json

import pytest
from django.test import Client
from django.utils.html import escape

from tests.security.test_hostile_corpus import WALKED, _urls
from tests.support.routes import ROUTES, body_for, snapshot

BODY_METHODS = ("POST", "PUT", "PATCH")
HUGE = "A" * 60_000


def _json_answer(response, what, allowed=range(400, 500)):
    assert response.status_code in allowed, f"{what}: {response.status_code} {response.content[:300]!r}"
    assert response["Content-Type"].startswith("application/json"), f"{what}: {response['Content-Type']}"
    body = json.loads(response.content)
    assert body, f"{what}: an empty message"
    return body


def _targets(route, view_class):
    return _urls(route, view_class) if view_class else [route]


# Authorization headers ---------------------------------------------------------------------

BAD_AUTHORIZATION = {
    "empty": "",
    "blank": "   ",
    "scheme-only-bearer": "Bearer",
    "bearer-blank": "Bearer   ",
    "wrong-scheme": "Token tsp_0123456789abcdefghijklmnopqrstuvwxyzAB",
    "digest": 'Digest username="root", realm="api"',
    "huge-bearer": "Bearer " + HUGE,
    "huge-basic": "Basic " + base64.b64encode(HUGE.encode()).decode(),
    "latin1-bearer": "Bearer tsp_caf\xe9",
    "latin1-basic": "Basic " + base64.b64encode("r\xf6ot:pass".encode("latin-1")).decode(),
    "bad-utf8-basic": "Basic " + base64.b64encode(b"root\xff\xfe:\xc3\x28").decode(),
    "not-base64": "Basic !!!not base64!!!",
    "three-words": "Bearer one two",
}
# Empty, or of a scheme no authentication class claims: the request is anonymous.
ANONYMOUS = {"empty", "blank", "wrong-scheme", "digest"}


@pytest.mark.parametrize(("route", "view_class"), WALKED, ids=[route for route, _ in WALKED])
def test_hostile_authorization_headers_are_a_json_4xx(route, view_class, world):
    client = Client()
    before = snapshot()
    for url in _targets(route, view_class):
        for name, value in BAD_AUTHORIZATION.items():
            for method in ("GET", "POST"):
                response = client.generic(method, url, HTTP_AUTHORIZATION=value)
                what = f"{name} {method} {url}"
                reads_none = view_class is None or getattr(view_class, "authentication_classes", None) == []
                if name in ANONYMOUS or reads_none and response.status_code < 400:
                    # No credentials of a scheme we take, or a route that reads none (the OAuth2
                    # index, the login page, the leaked-token report): an anonymous request,
                    # answered as such.
                    assert response.status_code < 500, what
                    if response.status_code >= 400:
                        _json_answer(response, what)
                    continue
                _json_answer(response, what)
    assert snapshot() == before


# Invalid UTF-8 and oversized headers -------------------------------------------------------


def _with_in_path(url: str, raw: str) -> str:
    path, _, query = url.partition("?")
    return path.rstrip("/") + raw + "/" + (f"?{query}" if query else "")


@pytest.mark.parametrize(("route", "view_class"), WALKED, ids=[route for route, _ in WALKED])
def test_invalid_utf8_and_huge_headers_are_a_json_4xx(route, view_class, world, bearer):
    client = Client()
    before = snapshot()
    for url in _targets(route, view_class):
        joiner = "&" if "?" in url else "?"
        attempts = {
            "path-percent": (_with_in_path(url, "%FF%FE"), bearer),
            "path-overlong": (_with_in_path(url, "%C0%AF"), bearer),
            "query-percent": (url + joiner + "search=%FF&q=%C3%28", bearer),
            "query-key": (url + joiner + "%FF=1", bearer),
            "huge-header": (url, {**bearer, "HTTP_X_SOMETHING": HUGE}),
        }
        for name, (target, headers) in attempts.items():
            # A huge header on an otherwise valid write would make that write: it is sent with reads only.
            for method in ("GET",) if name == "huge-header" else ("GET", "POST"):
                response = client.generic(method, target, **headers)
                what = f"{name} {method} {target[:120]}"
                if name == "huge-header":
                    # Django itself takes any header size (the WSGI server limits it); the route answers as usual.
                    assert response.status_code < 500, what
                    if response.status_code >= 400:
                        _json_answer(response, what)
                    continue
                _json_answer(response, what)
    assert snapshot() == before


# Bodies: wrong content types, numbers out of range, duplicate fields ------------------------

NUMBERS = {
    "huge": "1" + "0" * 30,
    "very-huge": "9" * 5000,
    "negative": "-1",
    "zero": "0",
    "overflow-float": "1e400",
    "nan": "NaN",
    "infinity": "Infinity",
    "fraction": "0.5",
}


def _with_number(body: dict, literal: str) -> bytes:
    """`body` as JSON with every number (and `id`) replaced by the raw literal, which json.dumps cannot write."""
    marker = "__number__"
    replaced = {
        key: marker if isinstance(value, int) and not isinstance(value, bool) else value for key, value in body.items()
    }
    replaced.setdefault("id", marker)
    return json.dumps(replaced).replace(f'"{marker}"', literal).encode()


@pytest.mark.parametrize(("route", "view_class"), ROUTES, ids=[route for route, _ in ROUTES])
def test_bodies_of_the_wrong_type_and_out_of_range_numbers_are_a_json_4xx(route, view_class, world, bearer):
    client = Client()
    body = body_for(view_class, world)
    before = snapshot()
    for url in _urls(route, view_class):
        for method in BODY_METHODS:
            wrong_types = {
                "text": ("text/plain", b"name=x"),
                "xml": ("application/xml", b"<name>x</name>"),
                "form-declared-json": ("application/json", b"name=x&description=y"),
                "json-declared-form": ("application/x-www-form-urlencoded", json.dumps(body).encode()),
                "no-type": ("", json.dumps(body).encode()),
                "bare-string": ("application/json", b'"x"'),
                "bare-number": ("application/json", b"12"),
                "array": ("application/json", b"[{}]"),
                "duplicate-keys": ("application/json", b'{"name": "a", "name": "b", "id": 1, "id": 2}'),
            }
            for name, (content_type, raw) in wrong_types.items():
                response = client.generic(method, url, raw, content_type=content_type, **bearer)
                if response.status_code < 400:
                    # Some writes take an empty body or ignore what they do not read: never a 5xx, always JSON.
                    assert (
                        response.status_code < 500
                        and response.content in (b"",)
                        or response["Content-Type"].startswith("application/json")
                    ), f"{name} {method} {url}"
                    continue
                _json_answer(response, f"{name} {method} {url}")
            for name, literal in NUMBERS.items():
                response = client.generic(
                    method, url, _with_number(body, literal), content_type="application/json", **bearer
                )
                assert response.status_code < 500, (
                    f"{name} {method} {url}: {response.status_code} {response.content[:200]!r}"
                )
                assert response.content == b"" or response["Content-Type"].startswith("application/json"), name
    # A route may accept one of these writes (a number in range, an ignored field): only a 5xx or
    # a half-stored write fails, and nothing here is a valid creation of anything new.
    after = snapshot()
    for model, rows in before.items():
        assert len(after[model]) <= len(rows) + len(BODY_METHODS) * (len(NUMBERS) + 9), model


# List parameters ---------------------------------------------------------------------------

LIST_ROUTES = [
    (route, view)
    for route, view in ROUTES
    if getattr(view, "pagination_class", None) is not None and "list" in dir(view)
]
ABSURD_QUERIES = [
    "page=0",
    "page=-1",
    "page=" + "1" + "0" * 30,
    "page=abc",
    "page=1e400",
    "page=NaN",
    "page=Infinity",
    "page=1.5",
    "page=" + "9" * 5000,
    "page_size=" + "1" + "0" * 9,
    "page_size=-1",
    "page_size=0",
    "page_size=abc",
    "page_size=" + "9" * 5000,
    "page=1&page=2",
    "page_size=1&page_size=500",
    "order_by=no_such_field",
    "order_by=password",
    "order_by=user__password",
    "order_by=-user__password",
    "order_by=token",
    "order_by=organization__admins__password",
    "order_by=__class__",
    "order_by=id__gt",
    "order_by=" + ",".join(["id"] * 200),
    "order_by=",
    "order_by=-",
    "order_by=id;DROP TABLE users_user",
    "id=" + "9" * 40,
    "id=-1",
    "id=abc",
    "id=1e400",
    "id__in=1,abc",
    "search=' OR 1=1 --",
    "search=%25%5F%5C",
    "search=<script>alert(1)</script>",
]


@pytest.mark.parametrize(("route", "view_class"), LIST_ROUTES, ids=[route for route, _ in LIST_ROUTES])
def test_absurd_list_parameters_are_a_json_answer_never_a_5xx(route, view_class, world, bearer):
    client = Client()
    before = snapshot()
    for url in _urls(route, view_class):
        for query in ABSURD_QUERIES:
            response = client.get(f"{url}?{query}", **bearer)
            what = f"GET {url}?{query[:60]}"
            if response.status_code == 200:
                # Accepted (a search that matches nothing, a page size capped at the maximum): still a page.
                assert "results" in response.json(), what
                assert len(response.json()["results"]) <= 200, what
                continue
            _json_answer(response, what)
    assert snapshot() == before


def test_a_huge_page_size_is_capped_and_a_page_beyond_the_end_is_404(client_for, superuser):
    client = client_for(superuser)
    capped = client.get("/api/v2/users/?page_size=" + "1" + "0" * 9)
    assert capped.status_code == 200
    for page in ("0", "-1", "1" + "0" * 30, "abc", "9" * 5000):
        response = client.get(f"/api/v2/users/?page={page}")
        assert response.status_code == 404, (page, response.content)
        assert response.json()["detail"]


@pytest.mark.parametrize("field", ["password", "user__password", "token", "-token", "refresh_token__token"])
def test_ordering_by_a_secret_is_refused(client_for, superuser, field):
    response = client_for(superuser).get(f"/api/v2/tokens/?order_by={field}")
    assert response.status_code in (400, 403), response.content
    assert "detail" in response.json() or response.json()


# Metacharacters: stored verbatim, never executed, escaped in HTML ---------------------------

METACHARACTERS = [
    "'; DROP TABLE users_user; --",
    '" OR "1"="1',
    "%_\\",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ 7*7 }} ${7*7} #{7*7}",
]


@pytest.mark.parametrize("text", METACHARACTERS)
def test_metacharacters_are_stored_verbatim_and_escaped_in_html(client_for, superuser, org, text):
    client = client_for(superuser)
    created = client.post("/api/v2/organizations/", {"name": f"Org {text}", "description": text}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["description"] == text
    pk = created.json()["id"]
    token = client.post("/api/v2/tokens/", {"description": text}, format="json")
    assert token.status_code == 201
    assert client.get(f"/api/v2/tokens/{token.json()['id']}/").json()["description"] == text
    found = client.get("/api/v2/organizations/", {"search": text})
    assert [row["id"] for row in found.json()["results"]] == [pk]
    page = client.get(f"/api/v2/organizations/{pk}/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    browser = Client()
    browser.force_login(superuser)
    tokens_page = browser.get("/?status=all")
    assert tokens_page.status_code == 200
    if "<" in text:
        assert text not in html, "the browsable API shows the text unescaped"
        assert text not in tokens_page.content.decode(), "the web page shows the text unescaped"
        assert escape(text) in tokens_page.content.decode()
    from users.models import User

    assert User.objects.filter(username=superuser.username).exists()
