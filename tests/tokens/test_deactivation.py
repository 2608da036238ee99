"""Deactivating a user (PATCH is_active false) revokes every token they hold, in the same transaction."""

from unittest import mock

import pytest
from django.db import DatabaseError
from rest_framework.test import APIClient

from activity.models import ActivityEntry
from tests import factories
from tests.support.oauth import app_with_secret, bearer, password_grant, refresh_grant
from tokens.models import AccessToken, RefreshToken
from users.models import User


@pytest.fixture
def member(org):
    return factories.user("member", member_of=[org])


def test_deactivating_a_user_revokes_all_their_tokens(org, member, superuser, client_for):
    app, secret = app_with_secret(org)
    pat = factories.personal_token(member, description="laptop")
    granted = password_grant(app, secret, member).json()
    bystander = factories.personal_token(superuser, description="bystander")
    admin = client_for(superuser)
    assert APIClient().get("/api/v2/me/", **bearer(pat.value)).status_code == 200

    response = admin.patch(f"/api/v2/users/{member.pk}/", {"is_active": False}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    for value in (pat.value, granted["access_token"]):
        assert APIClient().get("/api/v2/me/", **bearer(value)).status_code == 401
    assert refresh_grant(app, secret, granted["refresh_token"]).status_code == 400
    assert not RefreshToken.objects.filter(user=member, revoked__isnull=True).exists()
    revoked = admin.get(f"/api/v2/users/{member.pk}/tokens/?status=revoked").json()["results"]
    assert {row["id"] for row in revoked} == set(AccessToken.objects.filter(user=member).values_list("pk", flat=True))
    assert all(row["summary_fields"]["revoked_by"]["username"] == "root" for row in revoked)
    assert admin.get(f"/api/v2/users/{member.pk}/tokens/").json()["count"] == 0
    assert APIClient().get("/api/v2/me/", **bearer(bystander.value)).status_code == 200


def test_each_revoked_token_is_recorded_with_the_reason(member, superuser, client_for):
    tokens = [factories.personal_token(member, description=f"pat {index}").token for index in range(3)]
    admin = client_for(superuser)

    admin.patch(f"/api/v2/users/{member.username}/", {"is_active": False}, format="json")

    entries = ActivityEntry.objects.filter(object_type="o_auth2_access_token", operation="delete")
    assert sorted(entry.object_id for entry in entries) == sorted(token.pk for token in tokens)
    assert {entry.changes["reason"] for entry in entries} == {"user deactivated"}


def test_other_changes_and_reactivation_revoke_nothing(member, superuser, client_for):
    pat = factories.personal_token(member)
    admin = client_for(superuser)

    admin.patch(f"/api/v2/users/{member.pk}/", {"first_name": "Renamed", "is_active": True}, format="json")

    assert AccessToken.objects.get(pk=pat.token.pk).revoked_at is None
    admin.patch(f"/api/v2/users/{member.pk}/", {"is_active": False}, format="json")
    admin.patch(f"/api/v2/users/{member.pk}/", {"is_active": True}, format="json")
    # Reactivated, but the old credential stays dead: a new one must be created.
    assert APIClient().get("/api/v2/me/", **bearer(pat.value)).status_code == 401


def test_only_a_system_administrator_deactivates(org, member, org_admin, client_for):
    pat = factories.personal_token(member)

    response = client_for(org_admin).patch(f"/api/v2/users/{member.pk}/", {"is_active": False}, format="json")

    assert response.status_code == 403
    assert User.objects.get(pk=member.pk).is_active
    assert AccessToken.objects.get(pk=pat.token.pk).revoked_at is None


def test_deactivation_and_revocation_commit_together(member, superuser, client_for):
    pat = factories.personal_token(member)
    admin = client_for(superuser)

    failing = mock.patch("tokens.services.revoke_refresh_tokens", side_effect=DatabaseError("disk full"))
    with failing, pytest.raises(DatabaseError):
        admin.patch(f"/api/v2/users/{member.pk}/", {"is_active": False}, format="json")

    assert User.objects.get(pk=member.pk).is_active
    assert AccessToken.objects.get(pk=pat.token.pk).revoked_at is None
