"""A live deployment for race tests: two gunicorn servers on one scratch PostgreSQL database, and clients.

Each client thread holds its own HTTP connection, opened before the threads are released
together, so that the requests really arrive at the same time, spread over every worker
process and thread of both servers.
"""

import http.client
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass

from tests.support.servers import Server, basic, scratch_database, server_env, two_servers

ADMIN = "admin"
PASSWORD_PREFIX = "races-"


@dataclass
class Answer:
    """One HTTP answer, with when its request was sent and when the answer came (time.monotonic)."""

    status: int
    body: object
    started: float = 0.0
    finished: float = 0.0

    def error_text(self) -> str:
        return json.dumps(self.body) if not isinstance(self.body, bytes) else self.body.decode(errors="replace")


class Connection:
    """One persistent HTTP/1.1 connection to a server (reopened if the server closed it)."""

    def __init__(self, server: Server):
        self.server = server
        self.http = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.http.connect()

    def send(self, method: str, path: str, *, json_body=None, form=None, auth: str | None = None) -> Answer:
        headers = {"Accept": "application/json"}
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if auth:
            headers["Authorization"] = auth
        for attempt in (1, 2):
            started = time.monotonic()
            try:
                self.http.request(method, path, body=body, headers=headers)
                response = self.http.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # An idle keep-alive connection the server closed; only ever before the request was read.
                if attempt == 2:
                    raise
                self.http.close()
                self.http.connect()
        finished = time.monotonic()
        content_type = response.getheader("Content-Type", "")
        parsed: object = json.loads(raw) if raw and "json" in content_type else raw
        if response.getheader("Connection", "").lower() == "close":
            self.http.close()
            self.http.connect()
        return Answer(response.status, parsed, started, finished)

    def close(self) -> None:
        self.http.close()


@dataclass
class Deployment:
    """The servers, the administrator's credentials, and helpers that talk to them."""

    servers: list[Server]
    admin_password: str
    admin_bearer: str = ""

    def server(self, index: int) -> Server:
        return self.servers[index % len(self.servers)]

    def call(self, method: str, path: str, *, index: int = 0, **kwargs) -> Answer:
        """One request on a fresh connection to server `index` (for setup and checks, not for racing)."""
        connection = Connection(self.server(index))
        try:
            return connection.send(method, path, **kwargs)
        finally:
            connection.close()

    def admin(self, method: str, path: str, body=None, *, index: int = 0) -> Answer:
        return self.call(method, path, index=index, json_body=body, auth=self.admin_bearer)

    def created(self, path: str, body: dict, *, auth: str | None = None) -> dict:
        answer = self.call("POST", path, json_body=body, auth=auth or self.admin_bearer)
        assert answer.status == 201, (path, answer.status, answer.body)
        assert isinstance(answer.body, dict)
        return answer.body

    def user(self, username: str) -> tuple[dict, str]:
        """A new user (and their password), created through the API."""
        password = PASSWORD_PREFIX + secrets.token_hex(12)
        body = self.created(
            "/api/v2/users/", {"username": username, "password": password, "email": f"{username}@example.com"}
        )
        return body, password

    def pat(self, auth: str, **fields) -> dict:
        return self.created("/api/v2/tokens/", {"description": "race", **fields}, auth=auth)

    def live_tokens(self, **filters) -> list[dict]:
        query = urllib.parse.urlencode({"page_size": 200, **filters})
        answer = self.admin("GET", f"/api/v2/tokens/?{query}")
        assert answer.status == 200, answer.body
        assert isinstance(answer.body, dict) and answer.body["next"] is None
        return answer.body["results"]


def race(deployment: Deployment, calls, *, timeout: float = 60) -> list[Answer]:
    """Run `calls[i](connection)` in thread i, each with its own connection already open, released at once.

    Thread i talks to server i % len(servers). Answers come back in order; an exception in a
    thread is re-raised here.
    """
    connections = [Connection(deployment.server(index)) for index in range(len(calls))]
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index):
        try:
            barrier.wait(timeout)
            results[index] = calls[index](connections[index])
        except BaseException as error:  # reported below
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
    finally:
        for connection in connections:
            connection.close()
    assert not any(thread.is_alive() for thread in threads), "a racing request did not finish"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def deployment(tmp_dir, *, workers: int = 2, threads: int = 2, extra_env: dict | None = None):
    """A generator: start two servers on a scratch database, bootstrap the admin, yield a Deployment, stop."""
    admin_password = "races-admin-" + secrets.token_hex(8)
    with scratch_database("races") as database_url:
        env = server_env(
            database_url,
            tmp_dir,
            WEB_CONCURRENCY=str(workers),
            GUNICORN_THREADS=str(threads),
            GUNICORN_TIMEOUT="60",
            LOG_LEVEL="WARNING",
            # The races send hundreds of revoked tokens from one address on purpose: the
            # failed-authentication limits stay on, far above that (as in tests/conftest.py).
            AUTH_FAILURE_LIMIT_PER_ADDRESS="100000",
            AUTH_FAILURE_LIMIT_PER_USERNAME="100000",
            **(extra_env or {}),
        )
        with two_servers(env, tmp_dir, (ADMIN, admin_password)) as (first, second):
            live = Deployment(servers=[first, second], admin_password=admin_password)
            # Basic authentication checks an Argon2id hash on every request: one PAT instead.
            token = live.created("/api/v2/tokens/", {"description": "race admin"}, auth=basic(ADMIN, admin_password))
            live.admin_bearer = f"Bearer {token['token']}"
            yield live
