"""A hand-made corpus of hostile input against every route: each answer is a 4xx in JSON and nothing is stored.

Routes are discovered from the URL resolver (as in tests/api/test_route_walk.py) plus the OAuth2
and login endpoints. Each request is made with a superuser's write token where a token
applies, so that a refusal comes from the input and not from a missing permission.
"""

import base64
import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.routes import ROUTES, body_for, fill, snapshot

EXTRA_ROUTES = ["/api/", "/api/o/", "/api/o/token/", "/api/o/revoke_token/", "/api/o/introspect/", "/api/login/"]
BODY_METHODS = ("post", "put", "patch")
DEEP = "[" * 5000 + "]" * 5000


def _urls(route, view_class):
    urls = [fill(route, view_class, existing=True), fill(route, view_class, existing=False)]
    return [url for url in dict.fromkeys(urls) if url is not None]


def _with_nul_in_path(url: str) -> str:
    path, _, query = url.partition("?")
    return path.rstrip("/") + "%00/" + (f"?{query}" if query else "")


def _strings_replaced(body, replacement, field):
    """Every string of `body` replaced, and `field` too, so that even a body of numbers carries one."""
    replaced = {key: replacement if isinstance(value, str) else value for key, value in body.items()}
    return {**replaced, field: replacement}


def hostile_bodies(body: dict) -> dict:
    """name -> (content type, raw bytes); built from a body the route would otherwise accept."""
    field = next(iter(body), "name")
    boundary = "hostile-boundary"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n'.encode()
        + b"\xff\xfe\xc3"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return {
        "deep-json": ("application/json", ('{"' + field + '": ' + DEEP + "}").encode()),
        "deep-json-top": ("application/json", DEEP.encode()),
        "surrogate-key": (
            "application/json",
            json.dumps({**body, "\ud800": 1}).encode(),
        ),
        "surrogate-values": (
            "application/json",
            json.dumps(_strings_replaced(body, "\ud800", field)).encode(),
        ),
        "nan": ("application/json", ('{"' + field + '": NaN}').encode()),
        "infinity": ("application/json", ('{"' + field + '": -Infinity}').encode()),
        "overflow": ("application/json", ('{"' + field + '": 1e400}').encode()),
        "form-bad-utf8": ("application/x-www-form-urlencoded", f"{field}=%FF%FE".encode()),
        "form-raw-bad-utf8": ("application/x-www-form-urlencoded", f"{field}=".encode() + b"\xc3\x28"),
        "form-nul": ("application/x-www-form-urlencoded", f"{field}=a%00b".encode()),
        "multipart-bad-utf8": (f"multipart/form-data; boundary={boundary}", multipart),
    }


def _assert_json_4xx(response, what):
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    assert response["Content-Type"].startswith("application/json"), f"{what}: {response['Content-Type']}"
    json.loads(response.content)


WALKED = [*ROUTES, *((url, None) for url in EXTRA_ROUTES)]


@pytest.mark.parametrize(("route", "view_class"), WALKED, ids=[route for route, _ in WALKED])
def test_nul_in_path_query_and_credentials_is_a_json_4xx(route, view_class, world, bearer):
    client = Client()
    before = snapshot()
    for url in _urls(route, view_class) if view_class else [route]:
        _nul_everywhere(client, url, bearer)
    assert snapshot() == before


def _nul_everywhere(client, url, bearer):
    basic_nul = "Basic " + base64.b64encode(b"root\x00:x").decode()
    attempts = {
        "path": (_with_nul_in_path(url), bearer),
        "query": (url + "?q=%00&search=%00", bearer),
        "raw-query": (url + "?q=\x00", bearer),
        "basic": (url, {"HTTP_AUTHORIZATION": basic_nul}),
        "bearer": (url, {"HTTP_AUTHORIZATION": "Bearer tsp_\x00"}),
    }
    for name, (target, headers) in attempts.items():
        for method in ("get", "post"):
            response = getattr(client, method)(target, **headers)
            assert response.status_code == 400, f"{name} {method} {target}: {response.status_code}"
            _assert_json_4xx(response, f"{name} {method} {target}")


@pytest.mark.parametrize(("route", "view_class"), ROUTES, ids=[route for route, _ in ROUTES])
def test_hostile_bodies_are_a_json_4xx_and_store_nothing(route, view_class, world, bearer):
    client = Client()
    bodies = hostile_bodies(body_for(view_class, world))
    before = snapshot()
    for url in _urls(route, view_class):
        for method in BODY_METHODS:
            for name, (content_type, raw) in bodies.items():
                response = client.generic(method.upper(), url, raw, content_type=content_type, **bearer)
                _assert_json_4xx(response, f"{name} {method.upper()} {url}")
    assert snapshot() == before


@pytest.mark.parametrize("url", EXTRA_ROUTES)
def test_hostile_form_bodies_on_the_oauth_and_login_endpoints(url, world):
    client = Client()
    before = snapshot()
    for name, (content_type, raw) in hostile_bodies({"username": "root", "password": "x"}).items():
        if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/")):
            continue
        response = client.generic("POST", url, raw, content_type=content_type)
        assert response.status_code == 400, f"{name} POST {url}: {response.status_code} {response.content[:200]!r}"
        _assert_json_4xx(response, f"{name} POST {url}")
    assert snapshot() == before


def test_the_corpus_covers_the_oauth_endpoints():
    assert reverse("oauth2_provider:token") in EXTRA_ROUTES
    assert len(ROUTES) > 20
