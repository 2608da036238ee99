"""A failure in the middle of a multi-step write leaves nothing half done.

Each test makes one step of a write raise (the activity recorder, a token's or refresh
token's save, a bulk insert, the revocation of refresh tokens or codes, a notice's delivery),
sends the request through HTTP with a client that answers a server error as a server would,
and compares what is stored before and after: the tokens, refresh tokens, codes, activity
records, applications, active users and settings. Where the write failed nothing changed and
the old credentials still work; where a step is documented not to undo the write (a notice
that cannot be delivered), the write stands whole. Real transactions (`transaction=True`), so
that rollbacks and on-commit hooks run as in production, on SQLite and PostgreSQL alike.
"""

from urllib.parse import urlencode

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from activity import recorder
from activity.models import ActivityEntry
from applications.models import Application
from config.models import ConfigValue
from oauth.validators import Validator
from tests import factories
from tests.support import tokenadmin
from tests.support.oauth import (
    CALLBACK,
    FORM,
    app_with_secret,
    basic,
    give_consent,
    pkce_pair,
    query_of,
    signed_in,
)
from tokens import notifications, services
from tokens.models import AccessToken, Grant, RefreshToken
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


class InjectedFault(Exception):
    """The failure a test injects; never raised by the service itself."""


def stored() -> dict:
    """Everything a write of tokens, applications, users or settings may change."""
    return {
        "access tokens": sorted(AccessToken.objects.values_list("pk", "revoked_at", "expires")),
        "refresh tokens": sorted(RefreshToken.objects.values_list("pk", "revoked", "access_token_id")),
        "codes": sorted(Grant.objects.values_list("pk", flat=True)),
        "activity": ActivityEntry.objects.count(),
        "applications": sorted(Application.objects.values_list("pk", "name")),
        "active users": sorted(User.objects.filter(is_active=True).values_list("pk", flat=True)),
        "settings": sorted(ConfigValue.objects.values_list("key", "value")),
    }


def failing(*_args, **_kwargs):
    raise InjectedFault("injected")


def failing_when(original, condition):
    """`original`, except that it raises when `condition(*args, **kwargs)`."""

    def wrapper(*args, **kwargs):
        if condition(*args, **kwargs):
            raise InjectedFault("injected")
        return original(*args, **kwargs)

    return wrapper


def http() -> Client:
    return Client(raise_request_exception=False)


def bearer(value: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def works(value: str) -> bool:
    return http().get("/api/v2/me/", **bearer(value)).status_code == 200


def assert_server_error(response) -> None:
    assert response.status_code == 500, (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert b"injected" not in response.content  # the failure's text is for the log, not the client


def post_form(path: str, data: dict, headers: dict | None = None):
    return http().post(path, data=urlencode(data), content_type=FORM, **(headers or {}))


# The steps each test can break -------------------------------------------------------------------


def break_activity_record(monkeypatch, operation: str | None = None) -> None:
    """The activity recorder fails (for every record, or only those of `operation`)."""
    monkeypatch.setattr(
        recorder, "record", failing_when(recorder.record, lambda **kw: operation in (None, kw.get("operation")))
    )


def break_activity_bulk_insert(monkeypatch) -> None:
    monkeypatch.setattr(ActivityEntry.objects, "bulk_create", failing)


def break_refresh_token_save(monkeypatch) -> None:
    monkeypatch.setattr(RefreshToken, "save", failing)


def break_access_token_insert(monkeypatch) -> None:
    original = AccessToken.save
    monkeypatch.setattr(AccessToken, "save", failing_when(original, lambda self, *a, **kw: self.pk is None))


# Issuing tokens at /api/o/token/ ------------------------------------------------------------------------


@pytest.fixture
def app_and_secret(org):
    return app_with_secret(org, name="Faulty client")


def password_grant(app, secret, user):
    data = {"grant_type": "password", "username": user.username, "password": factories.PASSWORD}
    return post_form("/api/o/token/", data, basic(app.client_id, secret))


OAUTH_FAULTS = {
    "access token's activity record": lambda mp: break_activity_record(mp),
    "refresh token save": lambda mp: mp.setattr(Validator, "_create_refresh_token", failing),
    "access token insert": break_access_token_insert,
}


@pytest.mark.parametrize("fault", OAUTH_FAULTS)
def test_password_grant_failing_midway_stores_no_token(app_and_secret, org_member, monkeypatch, fault):
    app, secret = app_and_secret
    before = stored()
    with monkeypatch.context() as patch:
        OAUTH_FAULTS[fault](patch)
        assert_server_error(password_grant(app, secret, org_member))
    assert stored() == before
    assert password_grant(app, secret, org_member).status_code == 200


@pytest.mark.parametrize("fault", OAUTH_FAULTS)
def test_code_exchange_failing_midway_stores_no_token_and_keeps_the_code(org, org_member, monkeypatch, fault):
    app, _ = app_with_secret(
        org,
        name="Faulty web client",
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris=CALLBACK,
    )
    verifier, challenge = pkce_pair()
    consent = give_consent(signed_in(org_member), app, challenge)
    assert consent.status_code == 302, consent.content
    code = query_of(consent["Location"])["code"]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
        "client_id": app.client_id,
    }
    before = stored()
    with monkeypatch.context() as patch:
        OAUTH_FAULTS[fault](patch)
        assert_server_error(post_form("/api/o/token/", exchange))
    # The code was not consumed: the exchange that failed never happened.
    assert stored() == before
    retried = post_form("/api/o/token/", exchange)
    assert retried.status_code == 200, retried.content


@pytest.mark.parametrize("fault", OAUTH_FAULTS)
def test_refresh_grant_failing_midway_keeps_the_old_pair(app_and_secret, org_member, monkeypatch, fault):
    app, secret = app_and_secret
    first = password_grant(app, secret, org_member).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    before = stored()
    with monkeypatch.context() as patch:
        OAUTH_FAULTS[fault](patch)
        assert_server_error(post_form("/api/o/token/", refresh, basic(app.client_id, secret)))
    assert stored() == before
    assert works(first["access_token"])
    # The refresh token was not used up: the refresh that failed never happened.
    again = post_form("/api/o/token/", refresh, basic(app.client_id, secret))
    assert again.status_code == 200, again.content
    assert works(again.json()["access_token"]) and not works(first["access_token"])


# Personal access tokens through /api/v2/ -----------------------------------------------------------------


PAT_FAULTS = {
    "token's activity record": lambda mp: break_activity_record(mp),
    "token insert": break_access_token_insert,
}


@pytest.mark.parametrize("fault", PAT_FAULTS)
def test_pat_creation_failing_midway_stores_nothing_and_sends_no_notice(client_for, org_member, monkeypatch, fault):
    client = client_for(org_member)
    client.raise_request_exception = False
    org_member.email = "member@example.com"
    org_member.save()
    mail.outbox.clear()
    before = stored()
    with monkeypatch.context() as patch:
        PAT_FAULTS[fault](patch)
        assert_server_error(client.post("/api/v2/tokens/", {"description": "doomed"}, format="json"))
    assert stored() == before
    assert mail.outbox == []  # the notice of a token that was never created is never sent


def test_an_undeliverable_notice_does_not_undo_a_new_pat(client_for, org_member, monkeypatch):
    """Documented: the notice follows the commit, and its failure is logged, never undoing the token."""
    client = client_for(org_member)
    client.raise_request_exception = False
    org_member.email = "member@example.com"
    org_member.save()
    monkeypatch.setattr(notifications, "send_mail", failing)
    before = stored()
    created = client.post("/api/v2/tokens/", {"description": "kept"}, format="json")
    assert created.status_code == 201, created.content
    assert works(created.json()["token"])
    after = stored()
    assert len(after["access tokens"]) == len(before["access tokens"]) + 1
    assert after["activity"] == before["activity"] + 1


# Rotation ---------------------------------------------------------------------------------------------


ROTATION_FAULTS = {
    # The old token is revoked first, then the new one issued: break the second half.
    "new token's activity record": lambda mp: break_activity_record(mp, operation="create"),
    "new token insert": break_access_token_insert,
    "new refresh token save": break_refresh_token_save,
    "old token's revocation record": lambda mp: break_activity_record(mp, operation="delete"),
}


@pytest.mark.parametrize("fault", ROTATION_FAULTS)
def test_rotation_failing_midway_keeps_the_old_token(client_for, org, org_member, monkeypatch, fault):
    manager = client_for(org_member)
    manager.raise_request_exception = False
    app = factories.application(org, "Rotated")
    old = factories.application_token(org_member, app)
    before = stored()
    with monkeypatch.context() as patch:
        ROTATION_FAULTS[fault](patch)
        assert_server_error(manager.post(f"/api/v2/tokens/{old.token.pk}/rotate/", {}, format="json"))
    assert stored() == before
    assert works(old.value)
    assert RefreshToken.objects.get(access_token=old.token).revoked is None
    rotated = manager.post(f"/api/v2/tokens/{old.token.pk}/rotate/", {}, format="json")
    assert rotated.status_code == 201, rotated.content


# Revoking many tokens ------------------------------------------------------------------------------------


def tokens_of(user, org, count=3):
    app = factories.application(org, f"Bulk {user.username}")
    issued = [factories.application_token(user, app, description=f"t{n}") for n in range(count)]
    issued.append(factories.personal_token(user, description="pat"))
    return issued


BULK_FAULTS = {
    "activity bulk insert": break_activity_bulk_insert,
    "refresh token revocation": lambda mp: mp.setattr(services, "revoke_refresh_tokens", failing),
}


@pytest.mark.parametrize("fault", BULK_FAULTS)
def test_revoking_a_users_tokens_failing_midway_revokes_none(admin_client, org, org_member, monkeypatch, fault):
    admin_client.raise_request_exception = False
    issued = tokens_of(org_member, org)
    before = stored()
    with monkeypatch.context() as patch:
        BULK_FAULTS[fault](patch)
        assert_server_error(admin_client.post(f"/api/v2/users/{org_member.pk}/tokens/revoke/", {}, format="json"))
    assert stored() == before
    assert all(works(token.value) for token in issued)
    assert admin_client.post(f"/api/v2/users/{org_member.pk}/tokens/revoke/", {}, format="json").json() == {
        "revoked": len(issued)
    }


def test_an_org_admins_bulk_revocation_failing_midway_revokes_none(org, org_admin, org_member, monkeypatch):
    app = factories.application(org, "Admin console")
    client = tokenadmin.dialect_client(org_admin, app)
    client.raise_request_exception = False
    pats = [tokenadmin.pat(org_member, description=f"p{n}") for n in range(3)]
    body = [{"authorizationId": str(issued.token.authorization_id)} for issued in pats]
    before = stored()
    with monkeypatch.context() as patch:
        break_activity_bulk_insert(patch)
        assert_server_error(client.post(tokenadmin.revocations(org), body, format="json"))
    assert stored() == before
    assert all(works(issued.value) for issued in pats)


def test_an_org_admins_bulk_revocation_stands_when_its_notice_cannot_be_delivered(
    org, org_admin, org_member, monkeypatch
):
    """Documented: an undelivered email does not undo a revocation, and the notice follows the commit."""
    org_member.email = "member@example.com"
    org_member.save()
    app = factories.application(org, "Admin console")
    client = tokenadmin.dialect_client(org_admin, app)
    client.raise_request_exception = False
    pats = [tokenadmin.pat(org_member, description=f"p{n}") for n in range(2)]
    body = [{"authorizationId": str(issued.token.authorization_id)} for issued in pats]
    monkeypatch.setattr(notifications, "send_mail", failing)
    answer = client.post(tokenadmin.revocations(org), body, format="json")
    assert answer.status_code == 204, answer.content
    assert not any(works(issued.value) for issued in pats)


# Deleting an application, deactivating a user, changing settings ---------------------------------------------


APPLICATION_DELETE_FAULTS = {
    "tokens' end records (bulk insert)": break_activity_bulk_insert,
    "application's delete record": lambda mp: break_activity_record(mp, operation="delete"),
}


@pytest.mark.parametrize("fault", APPLICATION_DELETE_FAULTS)
def test_deleting_an_application_failing_midway_keeps_it_and_its_tokens(
    admin_client, org, org_member, monkeypatch, fault
):
    admin_client.raise_request_exception = False
    app = factories.application(org, "Doomed")
    issued = [factories.application_token(org_member, app, description=f"t{n}") for n in range(2)]
    before = stored()
    with monkeypatch.context() as patch:
        APPLICATION_DELETE_FAULTS[fault](patch)
        assert_server_error(admin_client.delete(f"/api/v2/applications/{app.pk}/"))
    assert stored() == before
    assert all(works(token.value) for token in issued)


DEACTIVATION_FAULTS = {
    "activity bulk insert": break_activity_bulk_insert,
    "refresh token revocation": lambda mp: mp.setattr(services, "revoke_refresh_tokens", failing),
    "code deletion": lambda mp: mp.setattr(services, "revoke_grants", failing),
    "user's change record": lambda mp: break_activity_record(mp, operation="update"),
}


@pytest.mark.parametrize("fault", DEACTIVATION_FAULTS)
def test_deactivating_a_user_failing_midway_keeps_them_active_with_their_tokens(
    admin_client, org, org_member, monkeypatch, fault
):
    admin_client.raise_request_exception = False
    issued = tokens_of(org_member, org)
    before = stored()
    with monkeypatch.context() as patch:
        DEACTIVATION_FAULTS[fault](patch)
        answer = admin_client.patch(f"/api/v2/users/{org_member.pk}/", {"is_active": False}, format="json")
        assert_server_error(answer)
    assert stored() == before
    assert all(works(token.value) for token in issued)


def test_a_settings_change_failing_to_record_changes_nothing(admin_client, monkeypatch):
    admin_client.raise_request_exception = False
    before = stored()
    with monkeypatch.context() as patch:
        break_activity_record(patch)
        answer = admin_client.patch(
            "/api/v2/settings/authentication/", {"PAT_MAX_LIFETIME_SECONDS": 3600}, format="json"
        )
        assert_server_error(answer)
    assert stored() == before
    assert admin_client.get("/api/v2/settings/authentication/").json()["PAT_MAX_LIFETIME_SECONDS"] is None


def test_an_org_admins_bulk_revocation_rolled_back_is_never_announced(org, org_admin, org_member):
    """The owners' notice follows the commit: a revocation undone by a surrounding transaction sends nothing."""
    org_member.email = "member@example.com"
    org_member.save()
    app = factories.application(org, "Admin console")
    client = tokenadmin.dialect_client(org_admin, app)
    pats = [tokenadmin.pat(org_member, description=f"p{n}") for n in range(2)]
    body = [{"authorizationId": str(issued.token.authorization_id)} for issued in pats]
    mail.outbox.clear()
    with pytest.raises(InjectedFault), transaction.atomic():
        assert client.post(tokenadmin.revocations(org), body, format="json").status_code == 204
        raise InjectedFault("the surrounding transaction fails after the revocation")
    assert mail.outbox == []
    assert all(works(issued.value) for issued in pats)
    # Committed, it is announced once.
    assert client.post(tokenadmin.revocations(org), body, format="json").status_code == 204
    assert len(mail.outbox) == 1 and "revoked" in mail.outbox[0].subject
