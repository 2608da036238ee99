"""Real servers for tests: bin/serve-production (gunicorn) on a database of its own.

`scratch_database` makes a PostgreSQL database next to the test database and drops it
afterwards; `Server` runs bin/serve-production in its own process group with its own
environment, port and log file; `request` talks to it with nothing but the standard library.
"""

import base64
import contextlib
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

import psycopg2
from django.conf import settings
from psycopg2 import sql

from tests.support.paths import PROJECT_DIR

READY_SECONDS = 40


def is_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@contextlib.contextmanager
def scratch_database(suffix: str):
    """The URL of a new, empty database on the test database's server, dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_{suffix}"
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


def server_env(database_url: str, home, **overrides: str) -> dict:
    """A production-shaped environment for bin/serve-production: DEBUG off, 2 workers x 2 threads."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(home)),
        "SECRET_KEY": secrets.token_urlsafe(50),  # shared, as every server of a deployment must
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "GUNICORN_TIMEOUT": "20",
        "GUNICORN_GRACEFUL_TIMEOUT": "2",
        **overrides,
    }


def bootstrap_admin(env: dict, username: str, password: str) -> None:
    """The first administrator, made by the management command a deployment runs."""
    made = subprocess.run(
        [sys.executable, "manage.py", "bootstrap_admin", "--username", username],
        cwd=PROJECT_DIR,
        env={**env, "ADMIN_PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr


@contextlib.contextmanager
def two_servers(env: dict, log_dir, admin: tuple[str, str]):
    """Two servers of one deployment on `env`'s database: the first migrates it; the admin exists; both stop after."""
    first = Server("first", env, log_dir)
    second = Server("second", env, log_dir, "--skip-migrate")
    try:
        first.start()  # migrates the empty database, then serves
        first.wait_ready()
        second.start()
        bootstrap_admin(first.env, *admin)
        second.wait_ready()
        yield first, second
    finally:
        second.stop()
        first.stop()
