"""A live server whose database goes away and comes back: 503 with Retry-After meanwhile, 200 again after, no restart.

bin/serve-production (gunicorn, gthread workers with persistent connections) talks to
PostgreSQL through a TCP proxy of this test (tests/support/outage.py). Cutting the proxy
closes every connection the workers keep and refuses new ones; blackholing it accepts
connections and answers nothing, like a host that drops packets.
"""

import json
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support.outage import Proxy
from tests.support.servers import Server, basic, bootstrap_admin, is_postgresql, request, scratch_database, server_env

pytestmark = pytest.mark.skipif(
    not is_postgresql(),
    reason="a live server on PostgreSQL behind a TCP proxy (run with DATABASE_URL=postgres://...)",
)

ADMIN, ADMIN_PASSWORD = "admin", "outage-" + secrets.token_hex(8)
CONNECT_TIMEOUT = 2
RECOVERY_SECONDS = 10


@pytest.fixture
def proxied(tmp_path):
    """(server, proxy, direct database URL): the server reaches its database only through the proxy."""
    with scratch_database("outage") as url:
        parts = urlsplit(url)
        proxy = Proxy((parts.hostname, parts.port or 5432))
        proxy.start()
        credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        through = urlunsplit(parts._replace(netloc=credentials + proxy.url_part))
        env = server_env(through, tmp_path, DATABASE_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT))
        server = Server("outage", env, tmp_path)
        try:
            server.start()
            server.wait_ready()
            bootstrap_admin({**server.env, "DATABASE_URL": url}, ADMIN, ADMIN_PASSWORD)
            yield server, proxy
        finally:
            server.stop()
            proxy.stop()


def signed_in(server: Server) -> str:
    """The session cookie of the admin signed in on the web pages."""
    status, page, headers = request(server, "GET", "/signin/", headers={"Accept": "text/html"})
    assert status == 200
    csrf = page.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    body = f"username={ADMIN}&password={ADMIN_PASSWORD}&csrfmiddlewaretoken={csrf}".encode()
    prepared = urllib.request.Request(
        server.url + "/signin/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Referer": server.url + "/"},
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(prepared, timeout=10)
        raise AssertionError("signing in should redirect")
    except urllib.error.HTTPError as answer:
        assert answer.code == 302, answer.read()
        cookies = answer.headers.get_all("Set-Cookie")
    session = next(c.split(";", 1)[0] for c in cookies if c.startswith("sessionid="))
    return f"{cookie}; {session}"


def the_requests(server: Server, world: dict):
    """(name, status, body, headers) for one request of each family, as a client would send it."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    token_body = f"grant_type=password&username={ADMIN}&password={ADMIN_PASSWORD}".encode()
    client = basic(world["client_id"], world["client_secret"])
    sent = [
        ("ping", "GET", "/api/v2/ping/", None, {}),
        ("bearer me", "GET", "/api/v2/me/", None, {"Authorization": world["bearer"]}),
        ("basic me", "GET", "/api/v2/me/", None, {"Authorization": basic(ADMIN, ADMIN_PASSWORD)}),
        ("token endpoint", "POST", "/api/o/token/", token_body, {**form, "Authorization": client}),
        (
            "dialect",
            "GET",
            "/Outage/_apis/tokens/pats?api-version=7.1-preview.1",
            None,
            {"Authorization": world["oauth_bearer"]},
        ),
        ("web page", "GET", "/", None, {"Cookie": world["cookie"], "Accept": "text/html"}),
    ]
    for name, method, path, body, headers in sent:
        yield name, *_raw(server, method, path, body, headers)


def _raw(server, method, path, body, headers):
    prepared = urllib.request.Request(server.url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(prepared, timeout=30) as response:  # noqa: S310 (our own http URL)
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def assert_unavailable(name, status, body, headers):
    assert status == 503, (name, status, body[:300])
    assert int(headers["Retry-After"]) > 0, name
    assert b"Traceback" not in body, name
    if name == "web page":
        assert headers.get_content_type() == "text/html", name
        assert b"Temporarily unavailable" in body
        return
    assert headers.get_content_type() == "application/json", (name, body[:300])
    answer = json.loads(body)
    expected = {
        "ping": ("database", "unavailable"),
        "token endpoint": ("error", "temporarily_unavailable"),
        "dialect": ("typeKey", "ServiceUnavailableException"),
    }
    if name in expected:
        key, value = expected[name]
        assert answer[key] == value, (name, answer)
    else:
        assert set(answer) == {"detail"} and "database" in answer["detail"], (name, answer)


def prepare(server: Server) -> dict:
    """A token, an application and a session made before the outage, through the API."""
    admin = basic(ADMIN, ADMIN_PASSWORD)
    status, created, _ = request(server, "POST", "/api/v2/tokens/", {"description": "before the outage"}, admin)
    assert status == 201, created
    status, org, _ = request(server, "POST", "/api/v2/organizations/", {"name": "Outage"}, admin)
    assert status == 201, org
    app_body = {
        "name": "Outage client",
        "organization": org["id"],
        "client_type": "confidential",
        "authorization_grant_type": "password",
    }
    status, app, _ = request(server, "POST", "/api/v2/applications/", app_body, admin)
    assert status == 201, app
    # The dialect takes an OAuth2 user token, not a personal access token.
    grant = f"grant_type=password&username={ADMIN}&password={ADMIN_PASSWORD}".encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    headers = {**form, "Authorization": basic(app["client_id"], app["client_secret"])}
    status, issued, _ = _raw(server, "POST", "/api/o/token/", grant, headers)
    assert status == 200, issued
    return {
        "oauth_bearer": "Bearer " + json.loads(issued)["access_token"],
        "token_id": created["id"],
        "bearer": f"Bearer {created['token']}",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "cookie": signed_in(server),
    }


def test_a_database_outage_is_503_and_the_same_server_recovers_without_a_restart(proxied):
    server, proxy = proxied
    world = prepare(server)
    # Every worker thread holds a connection through the proxy before it is cut.
    for name, status, body, _ in the_requests(server, world):
        assert status == 200, (name, status, body[:300])

    proxy.cut()
    for _ in range(3):  # each of several worker threads meets the cut on its kept connection
        for name, status, body, headers in the_requests(server, world):
            assert_unavailable(name, status, body, headers)

    proxy.restore()
    restored = time.monotonic()
    answers, rounds = {}, 0
    while time.monotonic() - restored < RECOVERY_SECONDS:
        rounds += 1
        answers = {name: status for name, status, _, _ in the_requests(server, world)}
        if set(answers.values()) == {200}:
            break
        time.sleep(0.2)
    recovered_in = time.monotonic() - restored
    assert set(answers.values()) == {200}, answers
    print(f"every request answered 200 again in round {rounds}, {recovered_in:.2f} s after the database came back")

    # Every thread has reconnected: several rounds all answer 200, with the data from before.
    for _ in range(3):
        for name, status, body, _ in the_requests(server, world):
            assert status == 200, (name, status, body[:300])
    status, me, _ = request(server, "GET", "/api/v2/me/", auth=world["bearer"])
    assert status == 200 and me["results"][0]["username"] == ADMIN
    status, tokens, _ = request(server, "GET", f"/api/v2/tokens/?id={world['token_id']}", auth=world["bearer"])
    assert status == 200 and tokens["count"] == 1 and tokens["results"][0]["description"] == "before the outage"
    assert server.process.poll() is None  # the same server, never restarted
    statuses = [line["status"] for line in server.request_lines()]
    assert 503 in statuses and 500 not in statuses
    assert world["bearer"].split()[1] not in server.log()


def test_a_silent_database_host_costs_at_most_the_connect_timeout(proxied):
    server, proxy = proxied
    admin = basic(ADMIN, ADMIN_PASSWORD)
    assert request(server, "GET", "/api/v2/me/", auth=admin)[0] == 200

    proxy.blackhole()
    started = time.monotonic()
    status, body, headers = request(server, "GET", "/api/v2/ping/")
    waited = time.monotonic() - started
    assert status == 503 and body["database"] == "unavailable" and headers["Retry-After"]
    # libpq gives up after connect_timeout seconds (at least 2) per attempt; the server answers soon after.
    assert waited < CONNECT_TIMEOUT * 2 + 3, waited
    print(f"a blackholed database answered 503 after {waited:.2f} s (DATABASE_CONNECT_TIMEOUT={CONNECT_TIMEOUT})")

    proxy.restore()
    deadline = time.monotonic() + RECOVERY_SECONDS
    while request(server, "GET", "/api/v2/me/", auth=admin)[0] != 200:
        assert time.monotonic() < deadline, "no recovery after the blackhole"
        time.sleep(0.2)
