"""Revoking one token from several requests at once: one revocation, one record, the others 404.

These tests run real requests from several threads, each on its own database connection,
on SQLite and on PostgreSQL: every request reads the token before any of them has revoked
it, which is how the attack saw several 204s and several `delete` records for one token.
"""

import pytest
from rest_framework.test import APIClient

from activity.models import ActivityEntry
from tests import factories
from tests.support.concurrency import run_together
from tests.support.oauth import app_with_secret, basic, bearer, post_form
from tokens import services
from tokens.models import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 6


def deletes_of(token_id) -> int:
    return ActivityEntry.objects.filter(
        object_type="o_auth2_access_token", object_id=token_id, operation="delete"
    ).count()


def creates() -> int:
    return ActivityEntry.objects.filter(object_type="o_auth2_access_token", operation="create").count()


def client_with(value):
    client = APIClient()
    client.credentials(**bearer(value))
    return client


@pytest.mark.parametrize("round_", range(3))
def test_parallel_deletes_of_one_token_revoke_it_once(org, org_member, round_):
    app = factories.application(org)
    target = factories.application_token(org_member, app, description="shared")
    clients = [client_with(factories.personal_token(org_member).value) for _ in range(THREADS)]
    url = f"/api/v2/tokens/{target.token.pk}/"

    responses = run_together([lambda client=client: client.delete(url) for client in clients])

    statuses = sorted(getattr(response, "status_code", response) for response in responses)
    assert statuses == [204] + [404] * (THREADS - 1)
    assert deletes_of(target.token.pk) == 1
    assert AccessToken.objects.get(pk=target.token.pk).revoked_at is not None
    assert not RefreshToken.objects.filter(user=org_member, revoked__isnull=True).exists()


def test_parallel_revoke_token_requests_record_one_revocation(org, org_member):
    """RFC 7009 always answers 200, but only one of the requests revokes and records."""
    app, secret = app_with_secret(org)
    target = factories.application_token(org_member, app)

    def revoke():
        return post_form("/api/o/revoke_token/", {"token": target.value}, basic(app.client_id, secret))

    responses = run_together([revoke] * THREADS)

    assert [getattr(response, "status_code", response) for response in responses] == [200] * THREADS
    assert deletes_of(target.token.pk) == 1
    assert AccessToken.objects.get(pk=target.token.pk).revoked_at is not None


def test_parallel_rotations_mint_one_successor(org_member):
    target = factories.personal_token(org_member)
    clients = [client_with(factories.personal_token(org_member).value) for _ in range(THREADS)]
    before = creates()
    url = f"/api/v2/tokens/{target.token.pk}/rotate/"

    responses = run_together([lambda client=client: client.post(url, {}, format="json") for client in clients])

    statuses = sorted(getattr(response, "status_code", response) for response in responses)
    # A loser that read the token live and lost at the lock is a 409; one that read it revoked, a 400.
    assert statuses[0] == 201 and set(statuses[1:]) <= {400, 409}, statuses
    for response in responses:
        if response.status_code == 409:
            assert "rotated or revoked by another request" in response.json()["detail"]
        elif response.status_code == 400:
            assert response.json()["detail"] == [services.REVOKED_ROTATION_MESSAGE]
    assert AccessToken.objects.filter(rotated_from=target.token).count() == 1
    assert creates() == before + 1
    assert deletes_of(target.token.pk) == 1


def test_parallel_bulk_revocations_revoke_and_record_each_token_once(org, org_member, superuser):
    app = factories.application(org)
    tokens = [factories.personal_token(org_member).token for _ in range(3)]
    tokens += [factories.application_token(org_member, app).token for _ in range(3)]
    clients = [client_with(factories.personal_token(superuser).value) for _ in range(THREADS)]
    url = f"/api/v2/users/{org_member.pk}/tokens/revoke/"

    responses = run_together([lambda client=client: client.post(url, {}, format="json") for client in clients])

    assert [getattr(response, "status_code", response) for response in responses] == [200] * THREADS
    assert sum(response.json()["revoked"] for response in responses) == len(tokens)
    assert all(deletes_of(token.pk) == 1 for token in tokens)
    assert not AccessToken.objects.filter(user=org_member, revoked_at__isnull=True).exists()
