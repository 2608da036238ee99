"""One JSON log line per request, naming who asked by ids, never carrying a credential or a query string."""

import base64
import json
import logging
import subprocess
import sys

import pytest
from django.test import Client

from tests import factories
from tests.support.paths import PROJECT_DIR
from tokensvc.logs import JsonFormatter
from tokensvc.requestlog import HEADER

FIELDS = {"time", "level", "logger", "message", "request_id", "method", "path", "status", "duration_ms", "user_id"}
QUERY_SECRET = "query-secret-must-not-be-logged"


@pytest.fixture
def request_lines(caplog):
    """The request log's lines, formatted as production writes them."""
    caplog.set_level(logging.INFO, logger="tokensvc.request")

    def lines() -> list[str]:
        formatter = JsonFormatter()
        return [formatter.format(record) for record in caplog.records if record.name == "tokensvc.request"]

    return lines


def one_line(lines: list[str], response) -> dict:
    assert len(lines) == 1, lines
    line = json.loads(lines[0])
    assert set(line) >= FIELDS and "token_id" in line
    assert line["request_id"] == response[HEADER]
    assert line["status"] == response.status_code
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    return line


def test_anonymous_request(db, request_lines):
    response = Client().get(f"/api/v2/ping/?token={QUERY_SECRET}")

    line = one_line(request_lines(), response)
    assert line["method"] == "GET" and line["path"] == "/api/v2/ping/"
    assert line["user_id"] is None and line["token_id"] is None
    assert QUERY_SECRET not in lines_text(request_lines())


def test_bearer_request_names_the_user_and_the_token_by_id(org_member, request_lines):
    issued = factories.personal_token(org_member)

    response = Client().get("/api/v2/me/", HTTP_AUTHORIZATION=f"Bearer {issued.value}")

    assert response.status_code == 200
    line = one_line(request_lines(), response)
    assert line["user_id"] == org_member.pk and line["token_id"] == issued.token.pk
    assert issued.value not in lines_text(request_lines())


def test_basic_request_names_the_user(org_member, request_lines):
    credentials = base64.b64encode(f"{org_member.username}:{factories.PASSWORD}".encode()).decode()

    response = Client().get("/api/v2/me/", HTTP_AUTHORIZATION=f"Basic {credentials}")

    assert response.status_code == 200
    line = one_line(request_lines(), response)
    assert line["user_id"] == org_member.pk and line["token_id"] is None
    text = lines_text(request_lines())
    assert credentials not in text and factories.PASSWORD not in text


def test_a_refused_request_is_logged_once_without_its_credential(db, request_lines):
    forged = "tsp_" + "A" * 38

    response = Client().post(
        f"/api/v2/tokens/?access_token={QUERY_SECRET}",
        {"description": "body-secret"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {forged}",
    )

    assert response.status_code == 401
    line = one_line(request_lines(), response)
    assert line["method"] == "POST" and line["path"] == "/api/v2/tokens/"
    assert line["user_id"] is None and line["token_id"] is None
    text = lines_text(request_lines())
    assert forged not in text and QUERY_SECRET not in text and "body-secret" not in text


def test_a_sane_incoming_request_id_is_kept(db):
    response = Client().get("/api/v2/ping/", HTTP_X_REQUEST_ID="lb-7f3a:0001.x_y")

    assert response[HEADER] == "lb-7f3a:0001.x_y"


@pytest.mark.parametrize("offered", ["", "two words", "x" * 129, "<script>", "id\u00e9"])
def test_an_unusable_incoming_request_id_is_replaced(db, offered):
    response = Client().get("/api/v2/ping/", HTTP_X_REQUEST_ID=offered)

    assert response[HEADER] != offered and len(response[HEADER]) == 36


def test_requests_refused_before_the_views_are_logged_too(db, request_lines):
    response = Client().get("/api/v2/ping/%00")

    assert response.status_code == 400
    assert one_line(request_lines(), response)["path"] == "/api/v2/ping/\x00"


def lines_text(lines: list[str]) -> str:
    return "\n".join(lines)


# The whole logging configuration, in a fresh interpreter: what reaches stderr.
PROBE = """
import logging, django
django.setup()
from django.test import Client
logging.getLogger("django").warning("a django line")
logging.getLogger("tokensvc.anything").warning("an application line")
Client().get("/no/such/page/?password=%s", HTTP_AUTHORIZATION="Bearer tsp_%s")
"""


@pytest.mark.parametrize("debug", ["true", "false"])
def test_every_line_is_written_once_as_json(tmp_path, debug):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "tokensvc.settings",
        "DEBUG": debug,
        "SECRET_KEY": "log-probe-" + "k" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # As collectstatic leaves it (WhiteNoise warns about a missing one).
        "STATIC_ROOT": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE % (QUERY_SECRET, "B" * 38)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    messages = [line["message"] for line in lines]
    assert messages.count("a django line") == 1
    assert messages.count("an application line") == 1
    requests = [line for line in lines if line["logger"] == "tokensvc.request"]
    assert len(requests) == 1 and requests[0]["path"] == "/no/such/page/" and requests[0]["status"] == 404
    # Django's own "Not Found" warning would be a second line about the same request.
    assert len(lines) == 3, result.stderr
    assert QUERY_SECRET not in result.stderr and "B" * 38 not in result.stderr


def test_text_format_for_development(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "tokensvc.settings",
        "DEBUG": "true",
        "LOG_FORMAT": "text",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE % (QUERY_SECRET, "B" * 38)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 3, result.stderr
    assert any(" INFO tokensvc.request GET /no/such/page/ 404 " in line for line in lines)
    assert not any(line.startswith("{") for line in lines)
