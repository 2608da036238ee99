"""The refresh_token grant: replacement, narrowing, reuse protection, expiry and orphans."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.test import Client

from config import runtime
from tests.support.oauth import app_with_secret, bearer, password_grant, refresh_grant
from tokens.models import AccessToken, RefreshToken
from tokensvc import tokenformat


def _issued(org, user, scope=None, name="Client"):
    app, secret = app_with_secret(org, name=name)
    body = password_grant(app, secret, user, scope=scope).json()
    return app, secret, body


def _used_long_ago(refresh_value: str) -> None:
    """Move a used refresh token's use back beyond REFRESH_TOKEN_REUSE_LEEWAY_SECONDS."""
    earlier = timedelta(seconds=settings.REFRESH_TOKEN_REUSE_LEEWAY_SECONDS + 1)
    RefreshToken.objects.filter(token_checksum=tokenformat.digest(refresh_value)).update(revoked=F("revoked") - earlier)


def _authenticates(value) -> bool:
    return Client().get("/api/v2/me/", **bearer(value)).status_code == 200


def test_refresh_replaces_the_token(org, org_member, client_for):
    app, secret, first = _issued(org, org_member, scope="read write")
    old = AccessToken.objects.get(user=org_member)
    response = refresh_grant(app, secret, first["refresh_token"])
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    second = response.json()
    assert second["scope"] == "read write"
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]

    assert not _authenticates(first["access_token"])
    assert _authenticates(second["access_token"])
    new = AccessToken.objects.get(user=org_member, revoked_at__isnull=True)
    assert (new.user, new.application, new.scope) == (org_member, app, "read write")
    assert AccessToken.objects.get(pk=old.pk).revoked_at is not None
    assert RefreshToken.objects.filter(user=org_member, revoked__isnull=False).count() == 1
    listed = [item["id"] for item in client_for(org_member).get("/api/v2/tokens/").json()["results"]]
    assert new.pk in listed and old.pk not in listed


def test_refresh_may_narrow_but_not_widen_the_scope(org, org_member):
    app, secret, first = _issued(org, org_member, scope="read")
    widened = refresh_grant(app, secret, first["refresh_token"], scope="read write")
    assert widened.status_code == 400
    assert widened.json()["error"] == "invalid_scope"

    app, secret, first = _issued(org, org_member, scope="read write", name="Second")
    narrowed = refresh_grant(app, secret, first["refresh_token"], scope="read")
    assert narrowed.status_code == 200
    assert narrowed.json()["scope"] == "read"


def test_reusing_a_refresh_token_revokes_the_whole_family(org, org_member):
    app, secret, first = _issued(org, org_member)
    second = refresh_grant(app, secret, first["refresh_token"]).json()
    third = refresh_grant(app, secret, second["refresh_token"]).json()
    assert _authenticates(third["access_token"])

    replay = refresh_grant(app, secret, first["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert "already been used" in replay.json()["error_description"]
    assert not _authenticates(third["access_token"])
    assert refresh_grant(app, secret, third["refresh_token"]).status_code == 400
    # Revoked by tombstone: the rows stay for the audit trail.
    assert AccessToken.objects.filter(user=org_member, revoked_at__isnull=True).count() == 0
    assert AccessToken.objects.filter(user=org_member).count() == 3
    assert RefreshToken.objects.filter(user=org_member, revoked__isnull=True).count() == 0


def test_expired_refresh_token_is_invalid_grant(org, org_member):
    app, secret, first = _issued(org, org_member)
    runtime.update({"REFRESH_TOKEN_EXPIRE_SECONDS": 60})
    refresh = RefreshToken.objects.get(user=org_member)
    RefreshToken.objects.filter(pk=refresh.pk).update(created=refresh.created - timedelta(seconds=61))
    response = refresh_grant(app, secret, first["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "expired" in response.json()["error_description"]


def test_refresh_lifetime_change_applies_to_existing_tokens(org, org_member):
    app, secret, first = _issued(org, org_member)
    refresh = RefreshToken.objects.get(user=org_member)
    RefreshToken.objects.filter(pk=refresh.pk).update(created=refresh.created - timedelta(seconds=600))
    runtime.update({"REFRESH_TOKEN_EXPIRE_SECONDS": 3600})
    assert refresh_grant(app, secret, first["refresh_token"]).status_code == 200


def test_refresh_token_whose_access_token_was_deleted_is_invalid_grant(org, org_member):
    app, secret, first = _issued(org, org_member)
    AccessToken.objects.filter(user=org_member).delete()
    response = refresh_grant(app, secret, first["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert response.json()["error_description"]


def test_another_clients_refresh_token_is_refused_and_left_alone(org, org_member):
    app, secret, first = _issued(org, org_member)
    other, other_secret = app_with_secret(org, name="Other")
    response = refresh_grant(other, other_secret, first["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert _authenticates(first["access_token"])
    assert refresh_grant(app, secret, first["refresh_token"]).status_code == 200


def test_refresh_for_an_inactive_user_is_refused(org, org_member):
    app, secret, first = _issued(org, org_member)
    type(org_member).objects.filter(pk=org_member.pk).update(is_active=False)
    response = refresh_grant(app, secret, first["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_reuse_protection_covers_refresh_tokens_issued_through_the_api(org, org_member, client_for):
    app, secret = app_with_secret(org)
    created = client_for(org_member).post(f"/api/v2/applications/{app.pk}/tokens/", {"scope": "write"}, format="json")
    assert created.status_code == 201
    first_refresh = created.json()["refresh_token"]
    second = refresh_grant(app, secret, first_refresh).json()
    assert _authenticates(second["access_token"])

    # Presented again after the leeway in which it counts as a duplicate of the refresh that used it.
    _used_long_ago(first_refresh)
    replay = refresh_grant(app, secret, first_refresh)
    assert replay.status_code == 400
    assert "already been used" in replay.json()["error_description"]
    assert not _authenticates(second["access_token"])
    assert refresh_grant(app, secret, second["refresh_token"]).status_code == 400


def test_a_refresh_token_revoked_after_validation_mints_nothing(org, org_member, monkeypatch):
    """A revocation (or a concurrent refresh) landing between validation and saving wins."""
    from oauth.validators import Validator
    from tokens.services import token_revoke

    app, secret, first = _issued(org, org_member)
    validate = Validator.validate_refresh_token

    def validate_then_lose_the_race(self, refresh_token, client, request, *args, **kwargs):
        valid = validate(self, refresh_token, client, request, *args, **kwargs)
        token_revoke(actor=None, token=request.refresh_token_instance.access_token)
        return valid

    monkeypatch.setattr(Validator, "validate_refresh_token", validate_then_lose_the_race)
    before = AccessToken.objects.count()
    response = refresh_grant(app, secret, first["refresh_token"])
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The refresh token has already been used or revoked.",
    }
    assert AccessToken.objects.count() == before
    assert AccessToken.objects.filter(user=org_member, revoked_at__isnull=True).count() == 0


def test_a_used_refresh_token_presented_again_at_once_is_a_duplicate_and_the_family_stays(org, org_member):
    """Within REFRESH_TOKEN_REUSE_LEEWAY_SECONDS, and while its successor is unused: refused, nothing revoked."""
    app, secret, first = _issued(org, org_member)
    second = refresh_grant(app, secret, first["refresh_token"]).json()

    duplicate = refresh_grant(app, secret, first["refresh_token"])
    assert duplicate.status_code == 400
    assert duplicate.json()["error"] == "invalid_grant"
    assert "moments ago" in duplicate.json()["error_description"]
    assert _authenticates(second["access_token"])
    third = refresh_grant(app, secret, second["refresh_token"])
    assert third.status_code == 200
    assert _authenticates(third.json()["access_token"])


def test_a_used_refresh_token_presented_after_the_leeway_revokes_the_family(org, org_member):
    app, secret, first = _issued(org, org_member)
    second = refresh_grant(app, secret, first["refresh_token"]).json()
    _used_long_ago(first["refresh_token"])

    replay = refresh_grant(app, secret, first["refresh_token"])
    assert replay.status_code == 400
    assert "every token issued from it has been revoked" in replay.json()["error_description"]
    assert not _authenticates(second["access_token"])
    assert refresh_grant(app, secret, second["refresh_token"]).status_code == 400


def test_without_a_leeway_every_replay_revokes_the_family(org, org_member, settings):
    settings.REFRESH_TOKEN_REUSE_LEEWAY_SECONDS = 0
    app, secret, first = _issued(org, org_member)
    second = refresh_grant(app, secret, first["refresh_token"]).json()

    replay = refresh_grant(app, secret, first["refresh_token"])
    assert replay.status_code == 400
    assert "every token issued from it has been revoked" in replay.json()["error_description"]
    assert not _authenticates(second["access_token"])
