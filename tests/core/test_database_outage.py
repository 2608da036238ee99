"""A database that cannot be reached: 503 with Retry-After in each route's error shape, never a 500 or a page of
Django's; other database errors keep their meaning.

In-process, on SQLite and PostgreSQL alike: every connection attempt of the request fails for
real (tests/support/outage.py). tests/deploy/test_database_outage.py cuts a live server's
database connection with a TCP proxy, and restores it.
"""

import json
from unittest import mock

import pytest
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection
from django.test import Client
from rest_framework.test import APIClient

from tests import factories
from tests.support.oauth import app_with_secret, basic, post_form
from tests.support.outage import database_unreachable
from tokensvc import outage

OAUTH_FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def world(org, org_member, client_for):
    app, secret = app_with_secret(org, "Outage client")
    browser = Client(raise_request_exception=False)
    browser.force_login(org_member)
    return {
        "org": org,
        "member": org_member,
        "bearer": client_for(org_member),
        "basic": client_for(org_member, auth="basic"),
        "browser": browser,
        "app": app,
        "secret": secret,
        "pat": factories.personal_token(org_member),
    }


def assert_unavailable(response, shape: str):
    assert response.status_code == 503, (response.status_code, response.content[:300])
    assert int(response["Retry-After"]) > 0
    assert "no-store" in response["Cache-Control"]
    assert b"Traceback" not in response.content
    if shape == "html":
        assert response["Content-Type"].startswith("text/html")
        assert b"Temporarily unavailable" in response.content
        return None
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    if shape == "oauth":
        assert body["error"] == "temporarily_unavailable" and body["error_description"]
    elif shape == "dialect":
        assert body["typeKey"] == "ServiceUnavailableException" and "database" in body["message"]
    elif shape == "ping":
        assert body["database"] == "unavailable" and body["version"]
    else:
        assert set(body) == {"detail"} and "database" in body["detail"]
    return body


def dialect(path="tokens/pats"):
    return f"/Default/_apis/{path}?api-version=7.1-preview.1"


# (name, how to send it, expected shape): every family of routes, with each way of authenticating.
REQUESTS = [
    ("ping", lambda w: Client().get("/api/v2/ping/"), "ping"),
    ("ping with a session", lambda w: w["browser"].get("/api/v2/ping/"), "detail"),
    ("bearer me", lambda w: w["bearer"].get("/api/v2/me/"), "detail"),
    ("basic me", lambda w: w["basic"].get("/api/v2/me/"), "detail"),
    ("session me", lambda w: w["browser"].get("/api/v2/me/", HTTP_ACCEPT="application/json"), "detail"),
    ("session me, browsable", lambda w: w["browser"].get("/api/v2/me/", HTTP_ACCEPT="text/html"), "detail"),
    ("bearer token list", lambda w: w["bearer"].get("/api/v2/tokens/"), "detail"),
    ("bearer create token", lambda w: w["bearer"].post("/api/v2/tokens/", {}, format="json"), "detail"),
    ("bearer organization", lambda w: w["bearer"].get(f"/api/v2/organizations/{w['org'].pk}/"), "detail"),
    ("bearer activity stream", lambda w: w["bearer"].get("/api/v2/activity_stream/"), "detail"),
    ("bearer settings", lambda w: w["bearer"].get("/api/v2/settings/authentication/"), "detail"),
    ("anonymous schema", lambda w: Client().get("/api/v2/schema/"), None),
    (
        "token endpoint",
        lambda w: post_form(
            "/api/o/token/",
            {"grant_type": "password", "username": w["member"].username, "password": factories.PASSWORD},
            basic(w["app"].client_id, w["secret"]),
        ),
        "oauth",
    ),
    (
        "introspection",
        lambda w: post_form("/api/o/introspect/", {"token": w["pat"].value}, basic(w["app"].client_id, w["secret"])),
        "oauth",
    ),
    (
        "revocation",
        lambda w: post_form("/api/o/revoke_token/", {"token": w["pat"].value}, basic(w["app"].client_id, w["secret"])),
        "oauth",
    ),
    ("authorize page", lambda w: w["browser"].get("/api/o/authorize/?response_type=code"), "oauth"),
    ("dialect list", lambda w: w["bearer"].get(dialect()), "dialect"),
    ("dialect create", lambda w: w["bearer"].post(dialect(), {"displayName": "x"}, format="json"), "dialect"),
    ("dialect token admin", lambda w: w["bearer"].get(dialect("tokenadmin/personalaccesstokens")), "dialect"),
    ("dialect discovery", lambda w: w["bearer"].get("/Default/_apis"), "dialect"),
    ("web token list", lambda w: w["browser"].get("/"), "html"),
    ("web token page", lambda w: w["browser"].get(f"/tokens/{w['pat'].token.pk}/"), "html"),
    (
        "web sign-in",
        lambda w: Client().post("/signin/", {"username": w["member"].username, "password": factories.PASSWORD}),
        "html",
    ),
    (
        "browsable API login",
        lambda w: Client().post("/api/login/", {"username": w["member"].username, "password": factories.PASSWORD}),
        "detail",
    ),
]


@pytest.mark.parametrize(("name", "send", "shape"), REQUESTS, ids=[name for name, _, _ in REQUESTS])
def test_every_route_family_answers_503_in_its_shape(name, send, shape, world, settings):
    settings.DEBUG = False
    with database_unreachable():
        response = send(world)
    if shape is None:
        # Reads nothing from the database: it goes on answering.
        assert response.status_code == 200
        return
    assert_unavailable(response, shape)


def test_with_debug_on_there_is_no_traceback_either(world, settings):
    settings.DEBUG = True
    with database_unreachable():
        assert_unavailable(world["bearer"].get("/api/v2/me/"), "detail")
        assert_unavailable(world["browser"].get("/"), "html")


def test_every_answer_carries_the_security_headers(world):
    with database_unreachable():
        for response in (world["bearer"].get("/api/v2/me/"), world["browser"].get("/")):
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["X-Frame-Options"] == "DENY"
            assert response["Referrer-Policy"]


def test_a_failure_outside_the_view_is_a_503_too(world, settings):
    """A session saved after the view (SESSION_SAVE_EVERY_REQUEST) meets the outage in the middleware."""
    settings.DEBUG = False
    browser = world["browser"]
    # The login page reads nothing from the database; saving the session afterwards does.
    with database_unreachable():
        response = browser.get("/api/login/")
    assert_unavailable(response, "detail")
    settings.DEBUG = True
    with database_unreachable():
        response = browser.get("/api/login/")
    assert_unavailable(response, "detail")


def test_the_service_answers_again_as_soon_as_the_database_does(world):
    with database_unreachable():
        assert world["bearer"].get("/api/v2/me/").status_code == 503
    response = world["bearer"].get("/api/v2/me/")
    assert response.status_code == 200
    assert response.json()["results"][0]["username"] == world["member"].username
    assert Client().get("/api/v2/ping/").json()["database"] == "ok"


def test_ping_reads_the_database_once_when_it_is_up(db, django_assert_num_queries):
    client = APIClient()
    client.get("/api/v2/ping/")  # the connection is open
    with django_assert_num_queries(1):
        response = client.get("/api/v2/ping/")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert "Retry-After" not in response


# Which errors mean an outage ------------------------------------------------------------------


class _DriverError(Exception):
    """Stands for a driver's error carrying a PostgreSQL SQLSTATE."""

    def __init__(self, pgcode):
        super().__init__("driver error")
        self.pgcode = pgcode


def _code(error) -> str:
    return getattr(error.__cause__, "pgcode", None) or ""


def _wrapped(error_class, cause):
    error = error_class("wrapped")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (_wrapped(OperationalError, _DriverError(None)), True),  # refused, timed out, closed unexpectedly
        (_wrapped(OperationalError, _DriverError("08006")), True),  # connection_failure
        (_wrapped(OperationalError, _DriverError("08001")), True),  # could not establish
        (_wrapped(OperationalError, _DriverError("57P01")), True),  # admin_shutdown
        (_wrapped(OperationalError, _DriverError("57P03")), True),  # cannot_connect_now
        (_wrapped(OperationalError, _DriverError("53300")), True),  # too_many_connections
        (InterfaceError("connection already closed"), True),
        (_wrapped(OperationalError, _DriverError("40P01")), False),  # deadlock: retried, not an outage
        (_wrapped(OperationalError, _DriverError("40001")), False),  # serialization failure
        (_wrapped(OperationalError, _DriverError("57014")), False),  # statement timeout
        (_wrapped(OperationalError, _DriverError("55P03")), False),  # lock not available
        (IntegrityError("duplicate key"), False),
        (DatabaseError("something else"), False),
        (ValueError("not a database error"), False),
    ],
    ids=lambda value: value if isinstance(value, bool) else f"{type(value).__name__}-{_code(value)}",
)
def test_which_errors_mean_the_database_is_unavailable(error, unavailable):
    assert outage.is_unavailable(error) is unavailable


def test_a_real_connection_failure_is_classified_as_unavailable(db):
    with database_unreachable(), pytest.raises(OperationalError) as caught:
        connection.cursor()
    assert outage.is_unavailable(caught.value)


def test_sqlite_busy_database_is_not_an_outage():
    # Classified by the driver's error alone, so this runs whatever the test database is.
    import sqlite3

    cause = sqlite3.OperationalError("database is locked")
    cause.sqlite_errorcode = sqlite3.SQLITE_BUSY
    assert not outage.is_unavailable(_wrapped(OperationalError, cause))


def test_a_real_statement_timeout_is_not_an_outage(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statement_timeout")
    with pytest.raises(OperationalError) as caught, connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")
    assert caught.value.__cause__.pgcode == "57014"
    assert not outage.is_unavailable(caught.value)


def test_a_deadlock_that_persists_is_still_a_500_not_a_503(world):
    deadlock = _wrapped(OperationalError, _DriverError("40P01"))
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {world['pat'].value}")
    with mock.patch("users.views.Me.list", side_effect=deadlock):
        response = client.get("/api/v2/me/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert response.json() == {"detail": "A server error occurred."}
