"""The docs pages load, offline: every script, style and icon they reference is a static file of this server."""

import re

import pytest
from django.test import Client

from tests.support.openapi import SCHEMA_URL

PAGES = ["/api/v2/docs/", "/api/v2/redoc/"]
# Any URL an HTML page makes the browser load, and any absolute or protocol-relative URL in it.
REFERENCES = re.compile(r'(?:src|href|spec-url)\s*=\s*["\']([^"\']+)["\']', re.IGNORECASE)
OTHER_HOST = re.compile(r"""(?:https?:)?//[^\s"'<>]+""", re.IGNORECASE)


def page(path: str) -> str:
    response = Client().get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_the_page_loads_only_local_assets(db, path):
    html = page(path)
    assert OTHER_HOST.findall(html) == [], "the page refers to another host"
    references = REFERENCES.findall(html)
    assert any(reference.endswith(".js") for reference in references), references
    client = Client()
    for reference in references:
        assert reference.startswith("/"), reference
        response = client.get(reference)
        assert response.status_code == 200, reference
        if reference.startswith("/static/"):
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert body, reference


@pytest.mark.parametrize("path", PAGES)
def test_the_page_reads_the_schema_of_this_server(db, path):
    assert SCHEMA_URL in page(path)


def test_swagger_ui_sends_the_csrf_token_and_no_schema_to_a_validator(db):
    html = page("/api/v2/docs/")
    assert "validatorUrl: null" in html
    assert "X-CSRFToken" in html


@pytest.mark.parametrize("path", PAGES)
def test_errors_of_the_pages_are_json(db, path):
    response = Client().post(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
