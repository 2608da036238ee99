"""Under many requests a token's last_used is written at most once per interval, and nothing else is."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from activity.models import ActivityEntry
from tests import factories
from tests.support.oauth import bearer
from tokens.models import AccessToken

TABLE = AccessToken._meta.db_table
REQUESTS = 50
IP = "203.0.113.7"


def _token_writes(queries) -> list[str]:
    """UPDATE / INSERT / DELETE statements that touch the access token table."""
    writes = []
    for query in queries:
        sql = query["sql"].lstrip().upper()
        if TABLE.upper() in sql and sql.startswith(("UPDATE", "INSERT", "DELETE")):
            writes.append(query["sql"])
    return writes


def _hammer(value, count=REQUESTS, ip=IP) -> list[str]:
    client = APIClient()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(count):
            assert client.get("/api/v2/me/", REMOTE_ADDR=ip, **bearer(value)).status_code == 200
    return _token_writes(queries)


@pytest.fixture
def issued(org_member):
    return factories.personal_token(org_member, description="busy")


def test_many_requests_within_the_interval_write_last_used_once(issued):
    updated_before = AccessToken.objects.get(pk=issued.token.pk).updated
    activity_before = ActivityEntry.objects.count()
    started = timezone.now()

    writes = _hammer(issued.value)

    assert len(writes) == 1, writes
    assert "last_used" in writes[0]
    token = AccessToken.objects.get(pk=issued.token.pk)
    assert started <= token.last_used <= timezone.now()
    assert token.last_used_ip == IP
    assert token.updated == updated_before
    assert ActivityEntry.objects.count() == activity_before


def test_a_request_after_the_interval_writes_again(issued):
    _hammer(issued.value, count=3)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    AccessToken.objects.filter(pk=issued.token.pk).update(last_used=an_hour_ago)

    writes = _hammer(issued.value, count=20, ip="198.51.100.9")

    assert len(writes) == 1, writes
    token = AccessToken.objects.get(pk=issued.token.pk)
    assert token.last_used > an_hour_ago + timedelta(minutes=59)
    assert token.last_used_ip == "198.51.100.9"


def test_just_inside_the_interval_nothing_is_written(issued):
    _hammer(issued.value, count=1)
    almost = timezone.now() - timedelta(seconds=50)
    AccessToken.objects.filter(pk=issued.token.pk).update(last_used=almost)

    assert _hammer(issued.value, count=10) == []
    assert AccessToken.objects.get(pk=issued.token.pk).last_used == almost


def test_the_interval_is_a_setting(issued, settings):
    settings.TOKEN_LAST_USED_INTERVAL_SECONDS = 3600
    _hammer(issued.value, count=1)
    AccessToken.objects.filter(pk=issued.token.pk).update(last_used=timezone.now() - timedelta(minutes=30))
    assert _hammer(issued.value, count=5) == []

    settings.TOKEN_LAST_USED_INTERVAL_SECONDS = 60
    assert len(_hammer(issued.value, count=5)) == 1


def test_each_token_has_its_own_interval(org_member):
    first = factories.personal_token(org_member, description="first")
    second = factories.personal_token(org_member, description="second")

    assert len(_hammer(first.value, count=10)) == 1
    assert len(_hammer(second.value, count=10)) == 1
    assert _hammer(first.value, count=10) == []


def test_last_used_shows_in_the_api_without_bumping_modified(issued, client_for, org_member):
    detail = f"/api/v2/tokens/{issued.token.pk}/"
    before = client_for(org_member).get(detail).json()
    assert before["last_used"] is None

    _hammer(issued.value, count=REQUESTS)

    after = client_for(org_member).get(detail).json()
    assert after["last_used"] is not None
    assert after["last_used_ip"] == IP
    assert after["modified"] == before["modified"]


def test_workers_holding_the_same_stale_row_write_once(issued):
    """Two workers that looked the token up before either wrote: only the first write lands."""
    from oauth.authentication import note_use

    first_worker = AccessToken.objects.get(pk=issued.token.pk)
    second_worker = AccessToken.objects.get(pk=issued.token.pk)
    assert first_worker.last_used is None and second_worker.last_used is None

    note_use(first_worker, "198.51.100.1")
    note_use(second_worker, "198.51.100.2")

    stored = AccessToken.objects.get(pk=issued.token.pk)
    assert stored.last_used_ip == "198.51.100.1"
    assert stored.last_used == first_worker.last_used
    assert second_worker.last_used is None
