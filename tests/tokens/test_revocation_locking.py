"""Minting re-reads its owner under the row lock; only the outermost transaction retries a deadlock."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from tests import factories
from tokens import services
from tokens.locks import InactiveUser
from tokens.models import Grant
from tokensvc import transactions
from users.models import User


class Deadlock(Exception):
    pgcode = "40P01"


def deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = Deadlock()
    return error


def test_an_owner_deactivated_after_the_request_read_them_gets_no_token(org_member):
    stale = User.objects.get(pk=org_member.pk)
    User.objects.filter(pk=org_member.pk).update(is_active=False)

    with pytest.raises(InactiveUser):
        services.token_issue(actor=stale, user=stale)


def test_the_api_refuses_a_token_to_an_owner_deactivated_meanwhile(org_member, client_for):
    client = client_for(org_member, auth="basic")
    real_lock = services.lock_active_user

    def deactivated_meanwhile(user_id):
        User.objects.filter(pk=user_id).update(is_active=False)
        return real_lock(user_id)

    with mock.patch.object(services, "lock_active_user", deactivated_meanwhile):
        response = client.post(f"/api/v2/users/{org_member.pk}/personal_tokens/", {}, format="json")

    assert response.status_code == 403
    assert "inactive" in response.json()["detail"]


def test_deactivation_discards_unused_authorization_codes(org, org_member, superuser, client_for):
    app = factories.application(org, authorization_grant_type="authorization-code", redirect_uris="https://x/cb")
    Grant.objects.create(
        user=org_member,
        application=app,
        code="pending-code",
        expires=timezone.now() + timedelta(minutes=5),
        redirect_uri="https://x/cb",
        scope="read",
    )

    client_for(superuser).patch(f"/api/v2/users/{org_member.pk}/", {"is_active": False}, format="json")

    assert not Grant.objects.filter(user=org_member).exists()


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_victim_is_run_again_when_it_is_the_outermost_transaction():
    attempts = []

    def work():
        attempts.append(transaction.get_connection().in_atomic_block)
        if len(attempts) < 3:
            raise deadlock()
        return "done"

    assert transactions.run_atomic(work) == "done"
    assert attempts == [True, True, True]


@pytest.mark.django_db(transaction=True)
def test_retrying_gives_up_after_the_last_attempt_and_never_retries_other_errors():
    calls = []

    def always_deadlocked():
        calls.append(1)
        raise deadlock()

    with pytest.raises(OperationalError):
        transactions.run_atomic(always_deadlocked)
    assert len(calls) == transactions.ATTEMPTS

    calls.clear()

    def locked_out():
        calls.append(1)
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError):
        transactions.run_atomic(locked_out)
    assert len(calls) == 1


def test_inside_an_open_transaction_the_error_is_left_to_whoever_opened_it(db):
    calls = []

    def work():
        calls.append(1)
        raise deadlock()

    with pytest.raises(OperationalError):
        transactions.run_atomic(work)
    assert len(calls) == 1
