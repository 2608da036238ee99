"""Who may make a token do more: the widening, renewal and stale-write rules from every side."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from config import runtime
from tests import factories
from tests.support.oauth import app_with_secret, password_grant
from tokens import services
from tokens.models import AccessToken
from tokensvc import transactions


@pytest.fixture
def app(org):
    application, _ = app_with_secret(org, authorization_grant_type="password")
    return application


@pytest.fixture
def member_token(org, app):
    member = factories.user("member", member_of=[org])
    return factories.application_token(member, app, scope="write").token


class Deadlock(Exception):
    pgcode = "40P01"


@pytest.mark.django_db(transaction=True)
def test_a_retried_update_is_judged_against_the_token_it_changes(monkeypatch, member_token, org_admin, client_for):
    """The 409 stale check is undone by the deadlock retry of DetailView.perform_update.

    An org admin restates a `write` token as "read write" (allowed: not wider). The first
    attempt is rolled back as a deadlock victim; meanwhile the owner narrows the token to
    `read`. `run_atomic` then reloads the instance (`before_retry=refresh_from_db`), so
    `token_update` compares the row with the reloaded instance instead of the one the policy
    judged, finds no change, and writes "read write": an org admin widened a member's
    token, which AccessTokenAccess forbids. The retry must re-judge the request (or answer
    409) rather than apply it to a token nobody judged.
    """
    owner = client_for(member_token.user)
    admin = client_for(org_admin)
    real_update = services.token_update
    attempts = []
    retries = []

    def first_attempt_deadlocks(**kwargs):
        if kwargs["actor"].pk != org_admin.pk:
            return real_update(**kwargs)  # the owner's own PATCH
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("deadlock detected") from Deadlock()
        return real_update(**kwargs)

    def pause_while_the_owner_narrows(_seconds):
        # Between the rollback and the retry: the owner's own PATCH commits.
        retries.append(1)
        assert owner.patch(f"/api/v2/tokens/{member_token.pk}/", {"scope": "read"}, format="json").status_code == 200

    monkeypatch.setattr(services, "token_update", first_attempt_deadlocks)
    monkeypatch.setattr(transactions.time, "sleep", pause_while_the_owner_narrows)

    response = admin.patch(f"/api/v2/tokens/{member_token.pk}/", {"scope": "read write"}, format="json")

    member_token.refresh_from_db()
    # The request was retried; the retry judged it again, on the narrowed token, and refused
    # it before the service ran (or the service saw the change and answered 409).
    assert len(retries) == 1
    assert len(attempts) in (1, 2)
    assert member_token.scope == "read", (response.status_code, member_token.scope)
    assert response.status_code in (403, 409)


def test_a_non_interactive_token_cannot_widen_while_interactive_sign_in_is_required(db, org, app, client_for):
    """TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH: a PAT may not create, rotate or renew; it may still widen.

    PATCH /api/v2/tokens/{id}/ {"scope": "write"} with a personal access token turns the
    owner's `read` password-grant token into a `write` one, although "anything that lets a
    token do more than it can" is meant to follow the rules of minting (tokens/access.py,
    AccessTokenAccess.can_change asks `_mint_denial` for `expires` only).
    """
    runtime.update({"TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": True})
    member = factories.user("member", member_of=[org])
    read_token = factories.application_token(member, app, scope="read", issued_via="password").token
    pat = client_for(member)

    response = pat.patch(f"/api/v2/tokens/{read_token.pk}/", {"scope": "write"}, format="json")

    read_token.refresh_from_db()
    assert response.status_code == 403, response.content
    assert read_token.scope == "read"


# What held: each of these is refused or harmless today.


@pytest.mark.parametrize("scope", ["write read", "read write", "write"])
def test_an_org_admin_may_restate_but_not_widen(member_token, org_admin, client_for, scope):
    member_token.scope = "read"
    member_token.save(update_fields=["scope"])
    response = client_for(org_admin).patch(f"/api/v2/tokens/{member_token.pk}/", {"scope": scope}, format="json")
    assert response.status_code == 403
    member_token.refresh_from_db()
    assert member_token.scope == "read"


@pytest.mark.parametrize("scope", ["WRITE", "read  write", "write write", " write", "write\tread", "read,write"])
def test_odd_spellings_of_a_scope_are_refused(member_token, org_admin, client_for, scope):
    member_token.scope = "read"
    member_token.save(update_fields=["scope"])
    response = client_for(org_admin).patch(f"/api/v2/tokens/{member_token.pk}/", {"scope": scope}, format="json")
    assert response.status_code == 400
    assert "scope" in response.json()


def test_an_org_admin_put_with_every_field_neither_widens_nor_renews(member_token, org_admin, client_for):
    member_token.scope = "read"
    member_token.save(update_fields=["scope"])
    body = {"description": "x", "scope": "read write", "expires": (timezone.now() + timedelta(days=9)).isoformat()}
    response = client_for(org_admin).put(f"/api/v2/tokens/{member_token.pk}/", body, format="json")
    assert response.status_code == 403
    member_token.refresh_from_db()
    assert member_token.scope == "read"


def test_an_org_admin_may_not_rotate(member_token, org_admin, client_for):
    response = client_for(org_admin).post(f"/api/v2/tokens/{member_token.pk}/rotate/", {}, format="json")
    assert response.status_code == 403


def test_a_system_auditor_changes_nothing_of_others(member_token, system_auditor, client_for):
    auditor = client_for(system_auditor)
    assert auditor.patch(f"/api/v2/tokens/{member_token.pk}/", {"description": "x"}, format="json").status_code == 403
    assert auditor.delete(f"/api/v2/tokens/{member_token.pk}/").status_code == 403
    assert auditor.post(f"/api/v2/tokens/{member_token.pk}/rotate/", {}, format="json").status_code == 403


def test_a_read_token_cannot_widen_itself(org, client_for):
    member = factories.user("member", member_of=[org])
    reader = client_for(member, scope="read")
    response = reader.patch(f"/api/v2/tokens/{reader.token.pk}/", {"scope": "write"}, format="json")
    assert response.status_code == 403


def test_tombstones_do_not_change(member_token, org_admin, client_for):
    admin = client_for(org_admin)
    assert admin.delete(f"/api/v2/tokens/{member_token.pk}/").status_code == 204
    assert admin.patch(f"/api/v2/tokens/{member_token.pk}/", {"description": "x"}, format="json").status_code == 404
    assert admin.delete(f"/api/v2/tokens/{member_token.pk}/").status_code == 404
    owner = client_for(member_token.user)
    assert owner.post(f"/api/v2/tokens/{member_token.pk}/rotate/", {}, format="json").status_code == 400


def test_refresh_after_narrowing_keeps_the_narrow_scope(org, org_admin, client_for):
    from tests.support.oauth import refresh_grant

    member = factories.user("member", member_of=[org])
    application, secret = app_with_secret(org, name="Pw", authorization_grant_type="password")
    grant = password_grant(application, secret, member, scope="write").json()
    token = AccessToken.objects.get(user=member, application=application)
    assert (
        client_for(org_admin).patch(f"/api/v2/tokens/{token.pk}/", {"scope": "read"}, format="json").status_code == 200
    )
    assert refresh_grant(application, secret, grant["refresh_token"], scope="write").status_code == 400
    response = refresh_grant(application, secret, grant["refresh_token"])
    assert response.status_code == 200
    assert response.json()["scope"] == "read"
