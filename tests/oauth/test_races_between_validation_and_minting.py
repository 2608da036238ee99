"""Writes that land between a grant's validation and its minting must decide what is minted.

Each test holds one request at the point where the protocol library has validated it and is
about to store what it mints, lets a second request commit, and releases the first. The
hold is a wrapper around the validator method that starts storing (no transaction is open
there yet, so SQLite's database lock does not block the second request); both requests go
through HTTP, each on its own database connection, on SQLite and on PostgreSQL.
"""

import threading

import pytest
from django.test import Client

from oauth.validators import Validator
from tests import factories
from tests.support.concurrency import run_together
from tests.support.oauth import (
    CALLBACK,
    app_with_secret,
    bearer,
    exchange_code,
    give_consent,
    password_grant,
    pkce_pair,
    refresh_grant,
)
from tokens.models import AccessToken

pytestmark = pytest.mark.django_db(transaction=True)


def hold(monkeypatch, method_name):
    """Make `Validator.<method_name>` wait until released; returns (reached, release) events."""
    reached, release = threading.Event(), threading.Event()
    original = getattr(Validator, method_name)

    def held(self, *args, **kwargs):
        reached.set()
        assert release.wait(30), "never released"
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Validator, method_name, held)
    return reached, release


def _refresh_while_an_admin_narrows(monkeypatch, org, org_admin, client_for):
    """A member's `write` token is refreshed; its validation done, the org admin narrows the token to `read`.

    Returns (member, application, refresh response, narrowing response).
    """
    member = factories.user("member", member_of=[org])
    app, secret = app_with_secret(org, authorization_grant_type="password")
    grant = password_grant(app, secret, member, scope="write").json()
    token = AccessToken.objects.get(user=member, application=app)
    admin = client_for(org_admin)
    reached, release = hold(monkeypatch, "save_bearer_token")

    def refresh():
        return refresh_grant(app, secret, grant["refresh_token"])

    def narrow():
        assert reached.wait(30)
        try:
            return admin.patch(f"/api/v2/tokens/{token.pk}/", {"scope": "read"}, format="json")
        finally:
            release.set()

    refreshed, narrowed = run_together([refresh, narrow])
    return member, app, refreshed, narrowed


def test_a_refresh_does_not_undo_an_admins_narrowing_committed_before_it_mints(monkeypatch, org, org_admin, client_for):
    """An org admin narrows a member's token to `read`; a refresh validated just before mints `write` anyway.

    POST /api/o/token/ grant_type=refresh_token is validated (the original scope, `write`, is
    read then), the admin's PATCH /api/v2/tokens/{id}/ {"scope": "read"} commits (200), and the
    refresh then mints its successor with the scope read at validation: the narrowing the
    admin was told succeeded is gone. The refresh must re-read the scope of the token it
    replaces under its lock (or fail), so that no live token of the member has `write`.
    """
    member, app, refreshed, narrowed = _refresh_while_an_admin_narrows(monkeypatch, org, org_admin, client_for)

    assert narrowed.status_code == 200, narrowed.content
    assert narrowed.json()["scope"] == "read"
    live = AccessToken.objects.filter(user=member, application=app, revoked_at__isnull=True)
    assert [t.scope for t in live if not t.is_expired()] in ([], ["read"]), (
        refreshed.status_code,
        refreshed.content,
        [t.scope for t in live],
    )


def test_an_approval_in_flight_during_a_deactivation_leaves_no_code_for_after_a_reactivation(
    monkeypatch, org, superuser, client_for
):
    """The consent POST /api/o/authorize/ saves its code after the deactivation deleted the user's codes.

    Deactivation (PATCH /api/v2/users/{id}/ {"is_active": false}) deletes pending codes so
    that none buys a token after a reactivation (users/services.py, revoke_grants), but
    saving a code neither locks the user's row nor re-reads `is_active` (tokens/locks.py):
    a code saved by an approval already under way survives, and once the account is
    reactivated it is exchanged for a token. Deactivation must be final for codes too.
    """
    member = factories.user("member", member_of=[org])
    app, _ = app_with_secret(
        org, name="SPA", client_type="public", authorization_grant_type="authorization-code", redirect_uris=CALLBACK
    )
    browser = Client()
    browser.force_login(member)
    verifier, challenge = pkce_pair()
    admin = client_for(superuser)
    reached, release = hold(monkeypatch, "save_authorization_code")

    def approve():
        return give_consent(browser, app, challenge)

    def deactivate():
        assert reached.wait(30)
        try:
            return admin.patch(f"/api/v2/users/{member.pk}/", {"is_active": False}, format="json")
        finally:
            release.set()

    approved, deactivated = run_together([approve, deactivate])
    assert deactivated.status_code == 200, deactivated.content
    assert admin.patch(f"/api/v2/users/{member.pk}/", {"is_active": True}, format="json").status_code == 200

    location = approved.get("Location", "") if approved.status_code == 302 else ""
    code = dict(part.split("=", 1) for part in location.partition("?")[2].split("&") if "=" in part).get("code")
    if code is None:
        return  # the approval was refused: nothing survived
    exchanged = exchange_code(app, code, verifier)
    assert exchanged.status_code != 200, "a code approved across the deactivation bought a token after reactivation"
    assert not AccessToken.objects.filter(user=member, application=app).exists()


def test_the_refresh_race_leaves_the_successor_usable_for_writes(monkeypatch, org, org_admin, client_for):
    """The consequence of the first test, end to end: the successor's value writes although the admin narrowed it."""
    member, app, refreshed, narrowed = _refresh_while_an_admin_narrows(monkeypatch, org, org_admin, client_for)
    assert narrowed.status_code == 200
    if refreshed.status_code != 200:
        return
    value = refreshed.json()["access_token"]
    # A write with the successor: creating a personal access token needs the `write` scope.
    response = Client().post("/api/v2/tokens/", {"description": "x"}, content_type="application/json", **bearer(value))
    assert response.status_code == 403, (refreshed.json().get("scope"), response.status_code)
