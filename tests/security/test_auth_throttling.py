"""Failed authentication is limited per username (or client_id) and per address, wherever a credential is guessed.

A matrix over the paths (HTTP Basic on /api/v2/, the password grant, /api/login/, the web
sign-in page, client secrets at /api/o/token/, /api/o/revoke_token/ and /api/o/introspect/)
and the two limits: the failure after the limit is a 429 in the route's own shape with a
true Retry-After, given before any password or secret is hashed; successes neither count
nor reset; counts expire with their window; other names and addresses go on. Bad Bearer
tokens are limited per address, and a valid token still works from a locked address.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from applications.hashers import ClientSecretHasher
from tests import factories
from tests.pats.conftest import VERSION
from tests.support.concurrency import run_together
from tests.support.oauth import app_with_secret, basic, post_form
from tests.support.openapi import generated_schema
from tokensvc import throttling, tokenformat

WINDOW = 900
WRONG = "not-the-password"


@pytest.fixture
def clock(monkeypatch):
    """A settable clock for the limits: `clock.now += seconds` moves time on."""

    class Clock:
        now = 1_900_000_000.0

    moved = Clock()
    monkeypatch.setattr(throttling, "clock", lambda: moved.now)
    return moved


@pytest.fixture
def hashes(monkeypatch):
    """How many password hashes (`password`) and client-secret checks (`secret`) were computed."""
    counted = {"password": 0, "secret": 0}

    def counting(kind, method):
        def wrapper(self, *args, **kwargs):
            counted[kind] += 1
            return method(self, *args, **kwargs)

        return wrapper

    for name in ("verify", "encode"):
        monkeypatch.setattr(MD5PasswordHasher, name, counting("password", getattr(MD5PasswordHasher, name)))
    monkeypatch.setattr(ClientSecretHasher, "verify", counting("secret", ClientSecretHasher.verify))
    return counted


@pytest.fixture
def limits(settings):
    def set_limits(username: int, address: int, window: int = WINDOW):
        settings.AUTH_FAILURE_LIMIT_PER_USERNAME = username
        settings.AUTH_FAILURE_LIMIT_PER_ADDRESS = address
        settings.AUTH_FAILURE_WINDOW_SECONDS = window

    return set_limits


@pytest.fixture
def world(org):
    alice = factories.user("alice", member_of=[org])
    bob = factories.user("bob", member_of=[org])
    app, secret = app_with_secret(org, name="Script", authorization_grant_type="password")
    other_app, other_secret = app_with_secret(org, name="Other", authorization_grant_type="password")
    return {"org": org, "alice": alice, "bob": bob, "app": (app, secret), "other_app": (other_app, other_secret)}


# The paths --------------------------------------------------------------------------------------


def meta(address: str, forwarded: str | None) -> dict:
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return extra


def basic_v2(world, name, secret, address, forwarded=None):
    return Client().get(
        "/api/v2/me/", HTTP_ACCEPT="application/json", **basic(name, secret), **meta(address, forwarded)
    )


def password_grant(world, name, secret, address, forwarded=None):
    app, app_secret = world["app"]
    data = {"grant_type": "password", "username": name, "password": secret}
    return post_form("/api/o/token/", data, {**basic(app.client_id, app_secret), **meta(address, forwarded)})


def api_login(world, name, secret, address, forwarded=None):
    return Client().post("/api/login/", {"username": name, "password": secret}, **meta(address, forwarded))


def web_signin(world, name, secret, address, forwarded=None):
    return Client().post("/signin/", {"username": name, "password": secret}, **meta(address, forwarded))


def token_client(world, name, secret, address, forwarded=None):
    data = {"grant_type": "password", "username": "alice", "password": factories.PASSWORD}
    return post_form("/api/o/token/", data, {**basic(name, secret), **meta(address, forwarded)})


def revoke_client(world, name, secret, address, forwarded=None):
    data = {"token": "unknown-token", "client_id": name, "client_secret": secret}
    return post_form("/api/o/revoke_token/", data, meta(address, forwarded))


def introspect_client(world, name, secret, address, forwarded=None):
    return post_form(
        "/api/o/introspect/", {"token": "unknown-token"}, {**basic(name, secret), **meta(address, forwarded)}
    )


def json_detail(response):
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail"}
    return body["detail"]


def oauth_error(response):
    assert response["Content-Type"].startswith("application/json")
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["error"] == "temporarily_unavailable"
    return body["error_description"]


def html_form_error(response):
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


@dataclass(frozen=True)
class Path:
    name: str
    attempt: Callable
    failure_status: int
    success_status: int
    kind: str  # "password": a username and password; "secret": a client_id and secret
    shape: Callable

    def good(self, world, who="first"):
        if self.kind == "password":
            user = world["alice" if who == "first" else "bob"]
            return user.username, factories.PASSWORD
        app, secret = world["app" if who == "first" else "other_app"]
        return app.client_id, secret


PATHS = [
    Path("basic-v2", basic_v2, 401, 200, "password", json_detail),
    Path("password-grant", password_grant, 400, 200, "password", oauth_error),
    Path("api-login", api_login, 200, 302, "password", html_form_error),
    Path("web-signin", web_signin, 200, 302, "password", html_form_error),
    Path("token-client-secret", token_client, 401, 200, "secret", oauth_error),
    Path("revoke-client-secret", revoke_client, 401, 200, "secret", oauth_error),
    Path("introspect-client-secret", introspect_client, 401, 200, "secret", oauth_error),
]
SCOPES = ["per-username", "per-address"]
LIMIT = 3


def failing(path, world, scope, i, forwarded=None):
    """The i-th failed attempt counting against one username (from new addresses) or one address (new names)."""
    name, _ = path.good(world)
    if scope == "per-username":
        return path.attempt(world, name, WRONG, f"10.1.0.{i + 1}", forwarded)
    return path.attempt(world, f"ghost-{i}", WRONG, "10.9.9.9", forwarded)


def the_locked(path, world, scope):
    """(name, secret, address) of a correct credential that the scope's lock must refuse."""
    name, secret = path.good(world)
    return (name, secret, "10.1.0.200") if scope == "per-username" else (name, secret, "10.9.9.9")


def set_scope_limits(limits, scope, window=WINDOW):
    if scope == "per-username":
        limits(username=LIMIT, address=1000, window=window)
    else:
        limits(username=1000, address=LIMIT, window=window)


def assert_locked(path, response, seconds):
    assert response.status_code == 429, response.content[:300]
    assert response["Retry-After"] == str(seconds)
    text = path.shape(response)
    assert "Too many" in text and f"try again in {seconds} seconds." in text
    assert text.count("seconds") == 1, text


matrix = pytest.mark.parametrize(
    "path,scope", [(path, scope) for path in PATHS for scope in SCOPES], ids=lambda value: getattr(value, "name", value)
)


@matrix
def test_the_failure_after_the_limit_is_a_429_before_any_hash(path, scope, world, limits, clock, hashes):
    set_scope_limits(limits, scope)
    for i in range(LIMIT):
        assert failing(path, world, scope, i).status_code == path.failure_status
    if scope == "per-username":  # (unknown client_ids of the per-address runs have no secret to check)
        assert hashes[path.kind] >= LIMIT, "the failures before the limit were checked"
    clock.now += 100
    before = dict(hashes)

    name, secret, address = the_locked(path, world, scope)
    locked = path.attempt(world, name, secret, address)

    assert_locked(path, locked, WINDOW - 100)
    assert hashes[path.kind] == before[path.kind], "a locked attempt computed a hash"
    assert secret not in locked.content.decode()


@matrix
def test_a_success_neither_counts_nor_resets(path, scope, world, limits, clock):
    set_scope_limits(limits, scope)
    name, secret, address = the_locked(path, world, scope)
    for i in range(LIMIT - 1):
        assert failing(path, world, scope, i).status_code == path.failure_status
    for _ in range(3):
        assert path.attempt(world, name, secret, address).status_code == path.success_status
    # Had a success counted, this failure would be refused; had one reset the count, the next would pass.
    assert failing(path, world, scope, LIMIT).status_code == path.failure_status
    assert path.attempt(world, name, secret, address).status_code == 429


@matrix
def test_counts_expire_with_their_window(path, scope, world, limits, clock):
    set_scope_limits(limits, scope)
    name, secret, address = the_locked(path, world, scope)
    for i in range(LIMIT):
        failing(path, world, scope, i)
    clock.now += WINDOW - 1
    assert_locked(path, path.attempt(world, name, secret, address), 1)
    clock.now += 1
    assert path.attempt(world, name, secret, address).status_code == path.success_status
    # A new window: the limit applies afresh.
    for i in range(LIMIT):
        assert failing(path, world, scope, 100 + i).status_code == path.failure_status
    assert path.attempt(world, name, secret, address).status_code == 429


@matrix
def test_other_names_and_addresses_are_unaffected(path, scope, world, limits, clock):
    set_scope_limits(limits, scope)
    for i in range(LIMIT):
        failing(path, world, scope, i)
    name, secret, address = the_locked(path, world, scope)
    assert path.attempt(world, name, secret, address).status_code == 429
    if scope == "per-username":
        other_name, other_secret = path.good(world, who="second")
        assert path.attempt(world, other_name, other_secret, address).status_code == path.success_status
    else:
        assert path.attempt(world, name, secret, "10.9.9.10").status_code == path.success_status


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_a_forged_forwarded_address_does_not_escape_the_address_limit(path, world, limits, clock, settings):
    limits(username=1000, address=LIMIT)
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    for i in range(LIMIT):
        failing(path, world, "per-address", i, forwarded=f"203.0.113.{i}")
    name, secret = path.good(world)
    assert path.attempt(world, name, secret, "10.9.9.9", "198.51.100.7").status_code == 429
    # Behind the trusted proxy, the forwarded address is the client: each is counted apart.
    for i in range(LIMIT):
        path.attempt(world, f"ghost-{i}", WRONG, "10.0.0.1", "203.0.113.50")
    assert path.attempt(world, name, secret, "10.0.0.1", "203.0.113.50").status_code == 429
    assert path.attempt(world, name, secret, "10.0.0.1", "203.0.113.51").status_code == path.success_status


# Usernames ----------------------------------------------------------------------------------------


def test_usernames_are_counted_case_insensitively_and_long_ones_are_keyed_safely(world, limits, clock):
    limits(username=LIMIT, address=1000)
    for i, spelling in enumerate(["alice", "ALICE", "Alice"]):
        assert basic_v2(world, spelling, WRONG, f"10.2.0.{i}").status_code == 401
    assert basic_v2(world, "alice", factories.PASSWORD, "10.2.0.9").status_code == 429
    huge = "x" * 5000 + "\u00e9"
    for i in range(LIMIT):
        assert web_signin(world, huge, WRONG, f"10.3.0.{i}").status_code == 200
    assert web_signin(world, huge, WRONG, "10.3.0.9").status_code == 429


# Bearer tokens ------------------------------------------------------------------------------------


def bearer_get(path, value, address):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {value}", HTTP_ACCEPT="application/json", REMOTE_ADDR=address)


def _well_formed() -> str:
    """A well-formed value (right prefix and checksum) that no row has: it reaches the lookup."""
    return tokenformat.oauth_access_token()


def dialect_path(world):
    return f"/{world['org'].name}/_apis/tokens/pats?api-version={VERSION}"


@pytest.mark.parametrize("route", ["v2", "dialect"])
def test_bad_bearer_tokens_are_limited_per_address_and_a_valid_token_still_works(
    route, world, limits, clock, monkeypatch
):
    limits(username=1000, address=LIMIT)
    path = "/api/v2/me/" if route == "v2" else dialect_path(world)
    for _ in range(LIMIT):
        refused = bearer_get(path, _well_formed(), "10.4.0.1")
        assert refused.status_code == 401
    clock.now += 60
    locked = bearer_get(path, _well_formed(), "10.4.0.1")
    assert locked.status_code == 429 and locked["Retry-After"] == str(WINDOW - 60)
    body = locked.json()
    if route == "v2":
        assert set(body) == {"detail"} and "try again in" in body["detail"]
    else:
        assert body["typeKey"] and "try again in" in body["message"]
    assert bearer_get(path, _well_formed(), "10.4.0.2").status_code == 401  # another address

    # A valid token from the locked address works, and asks the limits nothing.
    app, _ = world["app"]
    token = factories.application_token(world["alice"], app, issued_via="authorization_code").value
    monkeypatch.setattr(throttling, "lockout", lambda counters: pytest.fail("a valid token asked for a lockout"))
    assert bearer_get(path, token, "10.4.0.1").status_code == 200


def test_bad_bearer_tokens_do_not_lock_password_sign_in(world, limits, clock):
    limits(username=1000, address=LIMIT)
    for _ in range(LIMIT + 2):
        bearer_get("/api/v2/me/", _well_formed(), "10.5.0.1")
    assert basic_v2(world, "alice", factories.PASSWORD, "10.5.0.1").status_code == 200


def test_a_valid_bearer_request_uses_no_cache(world, client_for, monkeypatch):
    client = client_for(world["alice"])
    for name in ("get", "get_many", "add", "incr", "set"):
        monkeypatch.setattr(cache, name, lambda *args, **kwargs: pytest.fail("the cache was used"))
    assert client.get("/api/v2/me/").status_code == 200


# Logging, outage, clearing ------------------------------------------------------------------------


def test_one_warning_per_lock_start_and_nothing_secret(world, limits, clock, caplog):
    limits(username=LIMIT, address=1000)
    with caplog.at_level(logging.WARNING, logger="tokensvc.throttling"):
        for i in range(LIMIT + 3):
            basic_v2(world, "alice", f"guess-{i}", f"10.6.0.{i}")
    started = [record for record in caplog.records if "lockout started" in record.getMessage()]
    assert len(started) == 1
    line = started[0].getMessage()
    assert "username=" in line and "10.6.0.2" in line
    assert "alice" not in line and "guess-" not in line


def test_an_unreachable_cache_fails_open_with_a_warning(world, limits, settings, caplog):
    limits(username=1, address=1)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    throttling._last_outage_warning = 0.0
    with caplog.at_level(logging.WARNING, logger="tokensvc.throttling"):
        for _ in range(3):
            assert basic_v2(world, "alice", WRONG, "10.7.0.1").status_code == 401
            assert bearer_get("/api/v2/me/", _well_formed(), "10.7.0.1").status_code == 401
        assert basic_v2(world, "alice", factories.PASSWORD, "10.7.0.1").status_code == 200
        assert web_signin(world, "alice", factories.PASSWORD, "10.7.0.1").status_code == 302
    warnings = [record.getMessage() for record in caplog.records if "cannot be reached" in record.getMessage()]
    assert warnings and len(warnings) <= 2, warnings  # at most one per interval, not one per request


def test_clear_auth_failures_lifts_a_lockout(world, limits, clock):
    limits(username=LIMIT, address=LIMIT)
    for i in range(LIMIT):
        basic_v2(world, "alice", WRONG, f"10.8.0.{i}")
        basic_v2(world, f"ghost-{i}", WRONG, "10.8.1.1")
        token_client(world, world["app"][0].client_id, WRONG, f"10.8.2.{i}")
    assert basic_v2(world, "alice", factories.PASSWORD, "10.8.0.99").status_code == 429
    assert basic_v2(world, "bob", factories.PASSWORD, "10.8.1.1").status_code == 429
    assert token_client(world, world["app"][0].client_id, world["app"][1], "10.8.2.99").status_code == 429

    call_command("clear_auth_failures", "--username", "ALICE")
    assert basic_v2(world, "alice", factories.PASSWORD, "10.8.0.99").status_code == 200
    assert basic_v2(world, "bob", factories.PASSWORD, "10.8.1.1").status_code == 429
    call_command("clear_auth_failures", "--address", "10.8.1.1")
    assert basic_v2(world, "bob", factories.PASSWORD, "10.8.1.1").status_code == 200
    call_command("clear_auth_failures", "--client-id", world["app"][0].client_id)
    assert token_client(world, world["app"][0].client_id, world["app"][1], "10.8.2.99").status_code == 200

    with pytest.raises(CommandError, match="--username"):
        call_command("clear_auth_failures")


def test_a_limit_of_zero_is_off(world, limits, clock):
    limits(username=0, address=0)
    for i in range(20):
        assert basic_v2(world, "alice", WRONG, "10.9.0.1").status_code == 401
    assert basic_v2(world, "alice", factories.PASSWORD, "10.9.0.1").status_code == 200


# Concurrency --------------------------------------------------------------------------------------

THREADS = 8
ROUNDS = 4


@pytest.mark.django_db(transaction=True)
def test_failures_at_once_lose_no_count_and_overshoot_by_at_most_the_requests_in_flight(live_server, settings):
    settings.AUTH_FAILURE_LIMIT_PER_USERNAME = 10
    settings.AUTH_FAILURE_LIMIT_PER_ADDRESS = 1000
    settings.AUTH_FAILURE_WINDOW_SECONDS = WINDOW
    factories.user("alice")
    url = f"{live_server.url}/api/v2/me/"

    def guesser(index):
        def run():
            statuses = []
            with requests.Session() as session:
                for round_ in range(ROUNDS):
                    response = session.get(url, auth=("alice", f"guess-{index}-{round_}"), timeout=30)
                    statuses.append(response.status_code)
            return statuses

        return run

    results = run_together([guesser(index) for index in range(THREADS)])
    statuses = [status for result in results for status in result]
    assert set(statuses) <= {401, 429}, statuses
    refused_as_wrong = statuses.count(401)
    # Every failure was counted (atomic increments), and past the limit only the requests
    # already in flight (one per thread) were still checked.
    assert throttling.failures(throttling.Counter(throttling.USERNAME, "alice")) == refused_as_wrong
    assert 10 <= refused_as_wrong <= 10 + THREADS - 1
    assert requests.get(url, auth=("alice", factories.PASSWORD), timeout=30).status_code == 429


# Changing one's password ----------------------------------------------------------------------


def test_guessing_the_current_password_of_a_session_counts_against_the_username(world, limits, clock, hashes):
    limits(username=LIMIT, address=1000)
    alice = world["alice"]
    browser = Client()
    browser.force_login(alice)

    def change(current):
        body = {"password": "A-new-Passw0rd!", "current_password": current}
        return browser.patch(f"/api/v2/users/{alice.pk}/", body, content_type="application/json")

    for i in range(LIMIT):
        assert change(f"guess-{i}").status_code == 400
    before = hashes["password"]
    locked = change(factories.PASSWORD)
    assert locked.status_code == 429 and locked["Retry-After"] == str(WINDOW)
    assert "this username" in locked.json()["detail"]
    assert hashes["password"] == before
    alice.refresh_from_db()
    assert alice.check_password(factories.PASSWORD)
    # The same lock as signing in: the username is locked everywhere.
    assert basic_v2(world, "alice", factories.PASSWORD, "10.10.0.1").status_code == 429


def test_the_schema_documents_the_429_of_the_oauth_endpoints():
    paths = generated_schema()["paths"]
    for path in ("/api/o/token/", "/api/o/revoke_token/", "/api/o/introspect/"):
        locked = paths[path]["post"]["responses"]["429"]
        assert "Retry-After" in locked["headers"] and "temporarily_unavailable" in locked["description"]
