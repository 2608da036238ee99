"""Two gunicorn servers on one PostgreSQL database agree at once: settings, new tokens, revocations.

The servers run as a deployment would (bin/serve-production, DEBUG off, each with its own
environment and port) on a database this test creates next to the test database and drops
afterwards. Runtime settings and tokens are read from the database on every request, so
nothing a server holds in memory may disagree with what the other one wrote.
"""

import secrets
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.servers import basic, is_postgresql, request, scratch_database, server_env, two_servers

pytestmark = pytest.mark.skipif(
    not is_postgresql(),
    reason="several servers share a PostgreSQL database (run with DATABASE_URL=postgres://...)",
)

ADMIN, ADMIN_PASSWORD = "admin", "two-servers-" + secrets.token_hex(8)


@pytest.fixture
def database_url():
    with scratch_database("servers") as url:
        yield url


@pytest.fixture
def servers(database_url, tmp_path):
    with two_servers(server_env(database_url, tmp_path), tmp_path, (ADMIN, ADMIN_PASSWORD)) as pair:
        yield pair


def test_two_servers_on_one_database_agree_at_once(servers):
    first, second = servers
    admin = basic(ADMIN, ADMIN_PASSWORD)

    # A token created through one server works on the other.
    status, created, _ = request(first, "POST", "/api/v2/tokens/", {"description": "made on first"}, admin)
    assert status == 201, created
    bearer = f"Bearer {created['token']}"
    for _ in range(4):  # several requests: each server has two worker processes
        status, me, _ = request(second, "GET", "/api/v2/me/", auth=bearer)
        assert status == 200 and me["results"][0]["username"] == ADMIN

    # A setting changed through one server is in force on the other at once.
    limit = {"PAT_MAX_LIFETIME_SECONDS": 3600}
    status, changed, _ = request(first, "PATCH", "/api/v2/settings/authentication/", limit, bearer)
    assert status == 200, changed
    too_late = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    for _ in range(4):
        status, refused, _ = request(second, "POST", "/api/v2/tokens/", {"expires": too_late}, bearer)
        assert status == 400 and "expires" in refused, refused

    # A token revoked through one server is refused by the other at once.
    status, _, _ = request(second, "DELETE", f"/api/v2/tokens/{created['id']}/", auth=admin)
    assert status == 204
    for _ in range(4):
        assert request(first, "GET", "/api/v2/me/", auth=bearer)[0] == 401

    # Production serving as configured: the browsable API's CSS, and one JSON line per request.
    page = request(second, "GET", "/api/v2/", headers={"Accept": "text/html"})[1].decode()
    stylesheet = page.split('rel="stylesheet" type="text/css" href="', 1)[1].split('"', 1)[0]
    status, _, headers = request(second, "GET", stylesheet, headers={"X-Request-ID": "two-servers-css"})
    assert status == 200 and headers.get_content_type() == "text/css"
    logged = [line for line in second.request_lines() if line["request_id"] == "two-servers-css"]
    assert len(logged) == 1 and logged[0]["path"] == stylesheet and logged[0]["status"] == 200
    assert created["token"] not in first.log() + second.log()
