"""POST /api/v2/tokens/{id}/rotate/: a new token replaces the old one at once; replaying the old value is noticed."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from activity.models import ActivityEntry
from config import runtime
from tests import factories
from tests.support.oauth import app_with_secret, password_grant, refresh_grant
from tokens import services
from tokens.models import AccessToken, RefreshToken
from tokensvc import tokenformat

READ_MESSAGE = "This action requires the 'write' scope; this token has 'read'."


def bearer(value):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def rotate(client, token, body=None):
    return client.post(f"/api/v2/tokens/{token.pk}/rotate/", body or {}, format="json")


@pytest.fixture
def app(org):
    return factories.application(org)


# Rotation itself --------------------------------------------------------------


def test_rotating_a_pat_replaces_it_in_one_step(client_for, org_member):
    old = factories.personal_token(org_member, scope="read", description="ci deploy")
    client = client_for(org_member)

    response = rotate(client, old.token)

    assert response.status_code == 201, response.content
    body = response.json()
    new = AccessToken.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/v2/tokens/{new.pk}/"
    assert tokenformat.is_acceptable(body["token"]) and body["token"].startswith("tsp_")
    assert body["refresh_token"] is None
    assert (body["user"], body["application"], body["scope"], body["description"]) == (
        org_member.pk,
        None,
        "read",
        "ci deploy",
    )
    assert body["rotated_from"] == old.token.pk
    assert body["summary_fields"]["rotated_from"]["id"] == old.token.pk
    assert body["related"]["rotated_from"] == f"/api/v2/tokens/?status=all&id={old.token.pk}"
    assert body["token_hint"] == body["token"][-4:]
    assert new.rotated_from_id == old.token.pk and new.user_id == org_member.pk

    # Exactly one of the two values works afterwards.
    assert bearer(old.value).get("/api/v2/me/").status_code == 401
    assert bearer(body["token"]).get("/api/v2/me/").status_code == 200
    old.token.refresh_from_db()
    assert old.token.revoked_at is not None and old.token.revoked_by_id == org_member.pk

    # The value is shown once: reading the new token shows the placeholder.
    again = client.get(f"/api/v2/tokens/{new.pk}/").json()
    assert again["token"] == "************" and again["rotated_from"] == old.token.pk

    # The predecessor is listed as a tombstone through the related link.
    listed = client.get(body["related"]["rotated_from"]).json()["results"]
    assert [row["id"] for row in listed] == [old.token.pk] and listed[0]["revoked_at"] is not None


def test_rotation_is_recorded_without_secrets(client_for, org_member):
    old = factories.personal_token(org_member, description="nightly")
    response = rotate(client_for(org_member), old.token)
    new_id = response.json()["id"]

    created = ActivityEntry.objects.get(object_type="o_auth2_access_token", object_id=new_id, operation="create")
    assert created.actor_id == org_member.pk and created.changes["rotated_from"] == old.token.pk
    revoked = ActivityEntry.objects.get(object_type="o_auth2_access_token", object_id=old.token.pk, operation="delete")
    assert revoked.actor_id == org_member.pk
    dumped = json.dumps(list(ActivityEntry.objects.values("changes", "object_repr")))
    assert old.value not in dumped and response.json()["token"] not in dumped


def test_rotating_an_application_token_issues_a_new_refresh_token(client_for, org_member, app):
    old = factories.application_token(org_member, app, description="app")
    old_refresh = RefreshToken.objects.get(access_token=old.token)

    response = rotate(client_for(org_member), old.token)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"].startswith("tsa_") and body["refresh_token"].startswith("tsr_")
    assert body["application"] == app.pk and body["description"] == "app"
    new = AccessToken.objects.get(pk=body["id"])
    assert RefreshToken.objects.filter(access_token=new, revoked__isnull=True).count() == 1
    old_refresh.refresh_from_db()
    assert old_refresh.revoked is not None
    assert bearer(old.value).get("/api/v2/me/").status_code == 401
    assert bearer(body["token"]).get("/api/v2/me/").status_code == 200


def test_an_org_admin_cannot_rotate_a_members_token_and_so_never_sees_its_value(
    client_for, org_admin, org_member, superuser, app
):
    """Rotation hands out the new value: an admin who could rotate a member's (or a superuser's)
    token would hold that person's credential. Revoking it stays open to the admin."""
    client = client_for(org_admin)
    for owner in (org_member, superuser):
        old = factories.application_token(owner, app)
        response = rotate(client, old.token)
        assert response.status_code == 403, response.content
        assert response.json() == {
            "detail": "Only the token's owner can rotate it; an organization admin can revoke it."
        }
        old.token.refresh_from_db()
        assert old.token.revoked_at is None
        assert not AccessToken.objects.filter(rotated_from=old.token).exists()
        assert client.delete(f"/api/v2/tokens/{old.token.pk}/").status_code == 204


def test_a_superuser_rotates_anyones_token_which_stays_the_owners(client_for, superuser, org_member, app):
    old = factories.application_token(org_member, app)
    response = rotate(client_for(superuser), old.token)
    assert response.status_code == 201, response.content
    new = AccessToken.objects.get(pk=response.json()["id"])
    assert new.user_id == org_member.pk and response.json()["user"] == org_member.pk
    old.token.refresh_from_db()
    assert old.token.revoked_by_id == superuser.pk


def test_an_external_owner_cannot_rotate_while_external_users_may_not_have_tokens(client_for, org):
    owner = factories.user("ext", member_of=[org], external_account="sso")
    old = factories.personal_token(owner)
    response = rotate(client_for(owner), old.token)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "OAuth2 Tokens cannot be created by users associated with an external authentication provider (sso)"
    }


# Expiry of the new token -------------------------------------------------------


def test_expires_may_be_given_for_the_new_token(client_for, org_member):
    old = factories.personal_token(org_member)
    wanted = timezone.now() + timedelta(days=5)
    response = rotate(client_for(org_member), old.token, {"expires": wanted.isoformat()})
    assert response.status_code == 201, response.content
    assert AccessToken.objects.get(pk=response.json()["id"]).expires == wanted


def test_without_expires_the_new_token_gets_the_default_lifetime(client_for, org_member):
    runtime.update({"PAT_DEFAULT_LIFETIME_SECONDS": 3600})
    old = factories.personal_token(org_member, expires=timezone.now() + timedelta(days=30))
    response = rotate(client_for(org_member), old.token)
    lifetime = (AccessToken.objects.get(pk=response.json()["id"]).expires - timezone.now()).total_seconds()
    assert 3500 < lifetime <= 3600


@pytest.mark.parametrize(
    "body, field, message_start",
    [
        ({"expires": "PAST"}, "expires", "The expiry must be in the future."),
        ({"expires": "FAR"}, "expires", "A personal access token may live at most 86400 seconds"),
        ({"expires": "soon-ish"}, "expires", "Datetime has wrong format."),
        ({"scope": "read"}, "scope", "Unknown field."),
    ],
    ids=["past", "beyond-maximum", "unreadable", "unknown-field"],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(client_for, org_member, body, field, message_start):
    runtime.update({"PAT_MAX_LIFETIME_SECONDS": 86400})
    old = factories.personal_token(org_member)
    client = client_for(org_member)
    moments = {"PAST": timezone.now() - timedelta(minutes=1), "FAR": timezone.now() + timedelta(days=2)}
    body = {key: moments[value].isoformat() if value in moments else value for key, value in body.items()}
    before = AccessToken.objects.count()

    response = rotate(client, old.token, body)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0].startswith(message_start)
    assert AccessToken.objects.count() == before
    assert bearer(old.value).get("/api/v2/me/").status_code == 200


# Tokens that cannot be rotated ---------------------------------------------------


def test_a_revoked_token_cannot_be_rotated(client_for, org_member):
    old = factories.personal_token(org_member)
    client = client_for(org_member)
    assert client.delete(f"/api/v2/tokens/{old.token.pk}/").status_code == 204
    before = AccessToken.objects.count()

    response = rotate(client, old.token)

    assert response.status_code == 400
    assert response.json() == {"detail": [services.REVOKED_ROTATION_MESSAGE]}
    assert AccessToken.objects.count() == before


def test_a_token_rotated_once_cannot_be_rotated_again(client_for, org_member):
    old = factories.personal_token(org_member)
    client = client_for(org_member)
    assert rotate(client, old.token).status_code == 201
    second = rotate(client, old.token)
    assert second.status_code == 400
    assert second.json() == {"detail": [services.REVOKED_ROTATION_MESSAGE]}
    assert AccessToken.objects.filter(rotated_from=old.token).count() == 1


def test_an_expired_token_cannot_be_rotated(client_for, org_member):
    old = factories.personal_token(org_member)
    AccessToken.objects.filter(pk=old.token.pk).update(expires=timezone.now() - timedelta(hours=1))
    client = client_for(org_member)
    before = AccessToken.objects.count()

    response = rotate(client, old.token)

    assert response.status_code == 400
    assert response.json() == {"detail": [services.EXPIRED_ROTATION_MESSAGE]}
    assert AccessToken.objects.count() == before
    old.token.refresh_from_db()
    assert old.token.revoked_at is None  # still renewable


def test_the_loser_of_two_concurrent_rotations_fails_and_mints_nothing(org_member):
    """Both requests loaded the token before either rotated it; the row lock makes the second see the first."""
    old = factories.personal_token(org_member)
    first_view = AccessToken.objects.get(pk=old.token.pk)
    second_view = AccessToken.objects.get(pk=old.token.pk)
    expires = timezone.now() + timedelta(days=1)

    services.token_rotate(actor=org_member, token=first_view, expires=expires)
    # The second saw a live token, now revoked: it lost a race (409), which is not bad input.
    with pytest.raises(services.TokenChanged):
        services.token_rotate(actor=org_member, token=second_view, expires=expires)
    # Presented again, now known to be revoked: bad input.
    with pytest.raises(ValidationError) as refused:
        services.token_rotate(actor=org_member, token=AccessToken.objects.get(pk=old.token.pk), expires=expires)

    assert refused.value.message_dict == {"detail": [services.REVOKED_ROTATION_MESSAGE]}
    assert AccessToken.objects.filter(rotated_from=old.token).count() == 1
    assert AccessToken.objects.filter(user=org_member, revoked_at__isnull=True).count() == 1


def test_get_shows_the_token_to_rotate(client_for, org_member):
    old = factories.personal_token(org_member, description="shown")
    response = client_for(org_member).get(f"/api/v2/tokens/{old.token.pk}/rotate/")
    assert response.status_code == 200
    assert response.json()["id"] == old.token.pk and response.json()["token"] == "************"


# Who may rotate what: persona x target --------------------------------------------------

# persona            target                  expected
ROTATE_MATRIX = [
    ("superuser", "member_pat", 201),
    ("superuser", "member_app_token", 201),
    ("system_auditor", "member_pat", 403),
    ("system_auditor", "member_app_token", 403),
    ("org_admin", "member_pat", 404),
    ("org_admin", "member_app_token", 403),  # may revoke it, never obtain its new value
    ("org_admin", "other_app_token", 404),
    ("org_auditor", "member_pat", 404),
    ("org_auditor", "member_app_token", 403),
    ("org_member", "member_pat", 201),
    ("org_member", "member_app_token", 201),
    ("org_member", "other_app_token", 404),
    ("other_org_admin", "member_pat", 404),
    ("other_org_admin", "member_app_token", 404),
    ("other_org_admin", "other_app_token", 403),
    ("plain_user", "member_pat", 404),
    ("plain_user", "member_app_token", 404),
    ("anonymous", "member_pat", 401),
    ("anonymous", "member_app_token", 401),
]


@pytest.fixture
def targets(org_member, other_org, app):
    other_app = factories.application(other_org, name="Other app")
    owner = factories.user("other_owner", member_of=[other_org])
    return {
        "member_pat": factories.personal_token(org_member).token,
        "member_app_token": factories.application_token(org_member, app).token,
        "other_app_token": factories.application_token(owner, other_app).token,
    }


@pytest.mark.parametrize(
    "persona_name, target, expected",
    ROTATE_MATRIX,
    ids=[f"{persona}-{target}-{expected}" for persona, target, expected in ROTATE_MATRIX],
)
def test_who_may_rotate(client_for, persona, targets, persona_name, target, expected):
    user = persona(persona_name)
    token = targets[target]
    owner_id = token.user_id

    if expected == 201 and user is not None:
        # Every rotation that succeeds is refused to a read-scoped token of the same user.
        refused = rotate(client_for(user, scope="read"), token)
        assert refused.status_code == 403
        assert refused.json() == {"detail": READ_MESSAGE}

    response = rotate(client_for(user), token)

    assert response.status_code == expected, response.content
    token.refresh_from_db()
    if expected == 201:
        assert token.revoked_at is not None
        assert AccessToken.objects.get(pk=response.json()["id"]).user_id == owner_id
    else:
        assert token.revoked_at is None
        assert not AccessToken.objects.filter(rotated_from=token).exists()


# Reuse of a rotated-away value -------------------------------------------------------


def reuse_records(token):
    return ActivityEntry.objects.filter(
        object_type="o_auth2_access_token", object_id=token.pk, operation="reuse_attempt"
    )


def assert_invalid_token(response):
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_rotated_away_value_is_refused_and_recorded(client_for, org_member, app):
    old = factories.application_token(org_member, app)
    new_value = rotate(client_for(org_member), old.token).json()["token"]

    assert_invalid_token(bearer(old.value).get("/api/v2/me/", REMOTE_ADDR="203.0.113.9"))

    record = reuse_records(old.token).get()
    assert record.actor_id is None
    assert record.subject_user_id == org_member.pk
    assert record.organization_id == app.organization_id
    assert record.changes == {"token_hint": old.token.token_hint, "remote_addr": "203.0.113.9"}
    dumped = json.dumps(list(ActivityEntry.objects.values()), default=str)
    assert old.value not in dumped and new_value not in dumped
    # The owner finds it in their activity stream.
    mine = client_for(org_member).get("/api/v2/activity_stream/?operation=reuse_attempt").json()["results"]
    assert [(row["object_id"], row["operation"]) for row in mine] == [(old.token.pk, "reuse_attempt")]


def test_reuse_is_recorded_at_most_once_a_minute_per_token(client_for, org_member):
    old = factories.personal_token(org_member)
    rotate(client_for(org_member), old.token)

    for _ in range(5):
        assert_invalid_token(bearer(old.value).get("/api/v2/me/"))
    assert reuse_records(old.token).count() == 1

    # A minute later the next attempt is recorded again.
    reuse_records(old.token).update(timestamp=timezone.now() - timedelta(seconds=61))
    assert_invalid_token(bearer(old.value).get("/api/v2/me/"))
    assert reuse_records(old.token).count() == 2


def test_a_plainly_revoked_token_is_401_without_a_reuse_record(client_for, org_member):
    old = factories.personal_token(org_member)
    assert client_for(org_member).delete(f"/api/v2/tokens/{old.token.pk}/").status_code == 204
    assert_invalid_token(bearer(old.value).get("/api/v2/me/"))
    assert not reuse_records(old.token).exists()


def test_after_rotation_only_the_new_refresh_token_works_at_the_token_endpoint(client_for, org, org_member):
    app, secret = app_with_secret(org, authorization_grant_type="password")
    granted = password_grant(app, secret, org_member, scope="write").json()
    old = AccessToken.objects.get(
        token_hint=tokenformat.hint(granted["access_token"]), user=org_member, application=app
    )

    rotated = rotate(client_for(org_member), old).json()

    replayed = refresh_grant(app, secret, granted["refresh_token"])
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
    assert bearer(rotated["token"]).get("/api/v2/me/").status_code == 200
    refreshed = refresh_grant(app, secret, rotated["refresh_token"])
    assert refreshed.status_code == 200, refreshed.content
    assert bearer(refreshed.json()["access_token"]).get("/api/v2/me/").status_code == 200
