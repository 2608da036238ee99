"""Two gunicorn servers on one PostgreSQL database agree at once: settings, new tokens, revocations.

The servers run as a deployment would (bin/serve-production, DEBUG off, each with its own
environment and port) on a database this test creates next to the test database and drops
afterwards. Runtime settings and tokens are read from the database on every request, so
nothing a server holds in memory may disagree with what the other one wrote.
"""

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest
from django.conf import settings
from psycopg2 import sql

from tests.support.paths import PROJECT_DIR

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="several servers share a PostgreSQL database (run with DATABASE_URL=postgres://...)",
)

ADMIN, ADMIN_PASSWORD = "admin", "two-servers-" + secrets.token_hex(8)
READY_SECONDS = 40


@pytest.fixture
def database_url():
    """A database of its own, on the test database's server, dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_servers"
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432}
    params.update(user=db["USER"], password=db["PASSWORD"])

    def maintenance(statement):
        connection = psycopg2.connect(dbname="postgres", **params)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    maintenance(drop)
    maintenance(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        password = f":{params['password']}" if params["password"] else ""
        yield f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}"
    finally:
        maintenance(drop)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """bin/serve-production in its own process group, with its own environment and log file."""

    def __init__(self, name: str, env: dict, log_dir, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "STATIC_ROOT": str(log_dir / f"static-{name}")}
        self.log_path = log_dir / f"{name}.log"
        self.args = args
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(PROJECT_DIR / "bin" / "serve-production"), *self.args],
                cwd=PROJECT_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log()
            try:
                if request(self, "GET", "/api/v2/ping/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.url} was not ready within {READY_SECONDS} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # gunicorn stops its workers gracefully
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def request_lines(self) -> list[dict]:
        lines = [line for line in self.log().splitlines() if line.startswith("{")]
        return [entry for entry in map(json.loads, lines) if entry["logger"] == "tokensvc.request"]


def request(server: Server, method: str, path: str, body=None, auth: str | None = None, headers=None):
    """(status, parsed JSON body or raw bytes, headers)."""
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    if auth:
        sent["Authorization"] = auth
    prepared = urllib.request.Request(server.url + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(prepared, timeout=10) as response:  # noqa: S310 (our own http URL)
            status, raw, answered = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, answered = error.code, error.read(), error.headers
    content = json.loads(raw) if answered.get_content_type() == "application/json" and raw else raw
    return status, content, answered


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def servers(database_url, tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "SECRET_KEY": secrets.token_urlsafe(50),  # shared, as every server of a deployment must
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "GUNICORN_TIMEOUT": "20",
        "GUNICORN_GRACEFUL_TIMEOUT": "2",
    }
    first = Server("first", env, tmp_path)
    second = Server("second", env, tmp_path, "--skip-migrate")
    try:
        first.start()  # migrates the empty database, then serves
        first.wait_ready()
        second.start()
        admin = subprocess.run(
            [sys.executable, "manage.py", "bootstrap_admin", "--username", ADMIN],
            cwd=PROJECT_DIR,
            env={**first.env, "ADMIN_PASSWORD": ADMIN_PASSWORD},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert admin.returncode == 0, admin.stderr
        second.wait_ready()
        yield first, second
    finally:
        second.stop()
        first.stop()


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
