"""Reports of leaked tokens arriving together, and alongside deactivations and refresh grants.

Real requests from several threads, each on its own database connection, on SQLite and on
PostgreSQL: every report reads the tokens before any has revoked them. Each token must be
revoked and recorded once, each owner emailed once, and no request may fail with a 500 or
a deadlock, whichever order the reports name the owners in (tokens/locks.py).
"""

import os
import secrets
import time

import pytest
from django.core import mail
from django.core.cache import caches
from rest_framework.test import APIClient

from activity.models import ActivityEntry
from tests import factories
from tests.support.concurrency import run_together
from tests.support.environment import unavailable
from tests.support.oauth import app_with_secret, bearer, password_grant, refresh_grant
from tokens.models import AccessToken, RefreshToken
from tokens.services import REPORTED_OPERATION
from tokensvc.api.throttles import AddressRateThrottle

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v2/credentials/revoke/"
THREADS = 6


def reporter(values, address):
    def post():
        return APIClient().post(URL, {"tokens": values}, format="json", REMOTE_ADDR=address)

    return post


def authenticates(value) -> int:
    return APIClient().get("/api/v2/me/", **bearer(value)).status_code


def leak_notices() -> list[str]:
    """The addresses of the notices of reported tokens sent (the owners also hear of new PATs)."""
    return sorted(message.to[0] for message in mail.outbox if "reported as leaked" in message.subject)


def status_of(result):
    return getattr(result, "status_code", result)


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_reports_of_the_same_values_revoke_and_record_each_token_once(org, round_):
    owners = [factories.user(f"owner{n}", member_of=[org], email=f"owner{n}@example.com") for n in range(2)]
    app, secret = app_with_secret(org)
    values = []
    for owner in owners:
        values += [factories.personal_token(owner).value, factories.personal_token(owner).value]
        values.append(password_grant(app, secret, owner).json()["refresh_token"])
    # Each report names the owners in another order.
    reports = [reporter(values if n % 2 else values[::-1], f"198.51.100.{n}") for n in range(THREADS)]

    results = run_together(reports)

    assert [status_of(result) for result in results] == [202] * THREADS
    entries = ActivityEntry.objects.filter(operation=REPORTED_OPERATION)
    revoked = AccessToken.objects.filter(user__in=owners, revoked_at__isnull=False)
    assert revoked.count() == 6
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(revoked.values_list("pk", flat=True))
    assert leak_notices() == ["owner0@example.com", "owner1@example.com"]
    assert not RefreshToken.objects.filter(user__in=owners, revoked__isnull=True).exists()


@pytest.mark.parametrize("round_", range(3))
def test_reports_race_a_deactivation_and_refresh_grants_without_a_deadlock(org, superuser, round_):
    leaving = factories.user("leaving", member_of=[org], email="leaving@example.com")
    staying = factories.user("staying", member_of=[org], email="staying@example.com")
    app, secret = app_with_secret(org)
    leaving_values = [factories.personal_token(leaving).value, password_grant(app, secret, leaving).json()]
    staying_pat = factories.personal_token(staying).value
    staying_grant = password_grant(app, secret, staying).json()
    reported = [
        leaving_values[0],
        leaving_values[1]["refresh_token"],
        staying_pat,
        staying_grant["access_token"],
    ]
    admin = APIClient()
    admin.force_authenticate(superuser)

    results = run_together(
        [
            reporter(reported, "198.51.100.1"),
            reporter(reported[::-1], "198.51.100.2"),
            lambda: admin.patch(f"/api/v2/users/{leaving.pk}/", {"is_active": False}, format="json"),
            lambda: refresh_grant(app, secret, leaving_values[1]["refresh_token"]),
            lambda: refresh_grant(app, secret, staying_grant["refresh_token"]),
        ]
    )

    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors
    assert [status_of(result) for result in results[:3]] == [202, 202, 200]
    assert all(status_of(result) in {200, 400} for result in results[3:]), [r.content for r in results[3:]]
    # The deactivation ends everything of the user who left, whatever was minted meanwhile.
    assert not AccessToken.objects.filter(user=leaving, revoked_at__isnull=True).exists()
    assert not RefreshToken.objects.filter(user=leaving, revoked__isnull=True).exists()
    # The reported tokens of the other owner are dead. A refresh grant that won the race
    # replaced the reported access token first (a successor it may keep: the report named the
    # old one), one that lost was refused; either way no live refresh token is left bound to
    # a revoked access token, which could renew what the report ended.
    assert authenticates(staying_pat) == 401
    assert authenticates(staying_grant["access_token"]) == 401
    assert not RefreshToken.objects.filter(
        user=staying, revoked__isnull=True, access_token__revoked_at__isnull=False
    ).exists()
    entries = ActivityEntry.objects.filter(operation=REPORTED_OPERATION, subject_user=staying)
    assert entries.values("object_id").distinct().count() == entries.count() >= 1
    assert leak_notices().count("staying@example.com") == 1


@pytest.fixture(params=["local", "redis"])
def shared_cache(request, settings):
    """The cache the limit counts in: this process's memory, or Redis (as with REDIS_URL)."""
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
                "KEY_PREFIX": f"tokensvc-test-{secrets.token_hex(4)}",
            }
        }
        try:
            caches["default"].set("ping", 1, 5)
        except Exception as error:  # any connection failure means no Redis here
            unavailable(f"no Redis at 127.0.0.1:6379 ({type(error).__name__})")
    # Keys of the Redis variant carry a prefix of their own and expire within the minute.
    return request.param


@pytest.mark.parametrize("round_", range(2))
def test_a_burst_from_one_address_gets_exactly_the_allowed_reports(db, settings, shared_cache, monkeypatch, round_):
    # Within one minute, whenever the test runs.
    pinned = (time.time() // 60 + 1) * 60 + 1
    monkeypatch.setattr(AddressRateThrottle, "timer", lambda throttle: pinned)
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "credentials_revoke": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    address = f"198.51.100.{10 + round_}"

    results = run_together([reporter(["x"], address)] * 12)

    statuses = sorted(status_of(result) for result in results)
    assert statuses == [202] * 3 + [429] * 9, statuses
    assert all(1 <= int(result["Retry-After"]) <= 60 for result in results if status_of(result) == 429)
