"""Expiry on create and renewal, within the lifetime policy of the runtime settings."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from activity.models import ActivityEntry
from config import runtime
from tests import factories
from tokens.models import AccessToken

PAST = "The expiry must be in the future."


@pytest.fixture
def app(org):
    return factories.application(org)


def iso(moment):
    return moment.isoformat()


def lifetime_of(response):
    assert response.status_code in (200, 201), response.content
    token = AccessToken.objects.get(pk=response.json()["id"])
    return (token.expires - timezone.now()).total_seconds()


def test_expires_may_be_given_on_create(client_for, org_member, app):
    client = client_for(org_member)
    wanted = timezone.now() + timedelta(days=3)
    for path, body in (
        ("/api/v2/users/org_member/personal_tokens/", {}),
        ("/api/v2/tokens/", {"application": app.pk}),
        (f"/api/v2/applications/{app.pk}/tokens/", {}),
    ):
        response = client.post(path, {**body, "expires": iso(wanted)}, format="json")
        assert response.status_code == 201, (path, response.content)
        assert AccessToken.objects.get(pk=response.json()["id"]).expires == wanted


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v2/users/org_member/personal_tokens/", {}),
        ("/api/v2/tokens/", {"application": "APP"}),
        ("/api/v2/applications/APP/tokens/", {}),
    ],
)
def test_an_expiry_in_the_past_is_400(client_for, org_member, app, path, body):
    path = path.replace("APP", str(app.pk))
    body = {key: app.pk for key in body}
    before = AccessToken.objects.count()
    response = client_for(org_member).post(
        path, {**body, "expires": iso(timezone.now() - timedelta(minutes=1))}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"expires": [PAST]}
    assert AccessToken.objects.count() == before + 1  # only the client's own PAT


def test_an_unreadable_expiry_is_400_naming_the_field(client_for, org_member):
    response = client_for(org_member).post("/api/v2/tokens/", {"expires": "next tuesday"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["expires"]


def test_personal_token_beyond_the_maximum_is_400_naming_it(client_for, org_member):
    runtime.update({"PAT_MAX_LIFETIME_SECONDS": 86400})
    client = client_for(org_member)
    response = client.post(
        "/api/v2/users/org_member/personal_tokens/", {"expires": iso(timezone.now() + timedelta(days=2))}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["expires"][0]
    assert message.startswith("A personal access token may live at most 86400 seconds: choose an expiry no later than")
    within = client.post(
        "/api/v2/users/org_member/personal_tokens/",
        {"expires": iso(timezone.now() + timedelta(hours=23))},
        format="json",
    )
    assert within.status_code == 201


def test_personal_token_default_lifetime(client_for, org_member, app):
    runtime.update({"PAT_DEFAULT_LIFETIME_SECONDS": 3600, "ACCESS_TOKEN_EXPIRE_SECONDS": 7200})
    client = client_for(org_member, auth="basic")
    assert 3500 < lifetime_of(client.post("/api/v2/users/org_member/personal_tokens/", {}, format="json")) <= 3600
    # Application tokens keep the OAuth2 access token lifetime.
    assert 7100 < lifetime_of(client.post("/api/v2/tokens/", {"application": app.pk}, format="json")) <= 7200


def test_default_lifetime_never_exceeds_the_maximum(client_for, org_member):
    runtime.update({"PAT_MAX_LIFETIME_SECONDS": 600})
    client = client_for(org_member, auth="basic")
    assert 500 < lifetime_of(client.post("/api/v2/tokens/", {}, format="json")) <= 600


def test_application_token_may_not_outlive_the_access_token_lifetime(client_for, org_member, app):
    runtime.update({"ACCESS_TOKEN_EXPIRE_SECONDS": 3600, "PAT_MAX_LIFETIME_SECONDS": None})
    client = client_for(org_member)
    response = client.post(
        f"/api/v2/applications/{app.pk}/tokens/", {"expires": iso(timezone.now() + timedelta(hours=2))}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["expires"][0].startswith("An application token may live at most 3600 seconds")
    shorter = client.post(
        f"/api/v2/applications/{app.pk}/tokens/", {"expires": iso(timezone.now() + timedelta(minutes=5))}, format="json"
    )
    assert 200 < lifetime_of(shorter) <= 300


# Renewal -------------------------------------------------------------------------


def test_an_expired_token_is_renewed_and_works_again(client_for, org_member):
    issued = factories.personal_token(org_member, expires=timezone.now() - timedelta(hours=1))
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.value}")
    assert bearer.get("/api/v2/me/").status_code == 401

    renewed = timezone.now() + timedelta(days=7)
    response = client_for(org_member, auth="basic").patch(
        f"/api/v2/tokens/{issued.token.pk}/", {"expires": iso(renewed)}, format="json"
    )
    assert response.status_code == 200, response.content
    assert AccessToken.objects.get(pk=issued.token.pk).expires == renewed
    assert bearer.get("/api/v2/me/").status_code == 200
    entry = ActivityEntry.objects.get(object_id=issued.token.pk, operation="update")
    assert list(entry.changes) == ["expires"]
    assert entry.changes["expires"][1] == renewed.isoformat()


def test_a_token_may_be_shortened(client_for, org_member):
    client = client_for(org_member)
    sooner = timezone.now() + timedelta(minutes=10)
    response = client.patch(f"/api/v2/tokens/{client.token.pk}/", {"expires": iso(sooner)}, format="json")
    assert response.status_code == 200
    assert AccessToken.objects.get(pk=client.token.pk).expires == sooner


def test_renewal_follows_the_policy(client_for, org_member):
    runtime.update({"PAT_MAX_LIFETIME_SECONDS": 3600})
    client = client_for(org_member, auth="basic")
    pk = factories.personal_token(org_member, expires=timezone.now() + timedelta(minutes=5)).token.pk
    past = client.patch(f"/api/v2/tokens/{pk}/", {"expires": iso(timezone.now() - timedelta(seconds=5))}, format="json")
    assert past.status_code == 400 and past.json() == {"expires": [PAST]}
    beyond = client.patch(f"/api/v2/tokens/{pk}/", {"expires": iso(timezone.now() + timedelta(hours=2))}, format="json")
    assert beyond.status_code == 400
    assert "at most 3600 seconds" in beyond.json()["expires"][0]
    assert client.patch(f"/api/v2/tokens/{pk}/", {"expires": None}, format="json").status_code == 400


def test_a_revoked_token_cannot_be_renewed(client_for, org_member):
    issued = factories.personal_token(org_member)
    issued.token.revoke(by=org_member)
    response = client_for(org_member, auth="basic").patch(
        f"/api/v2/tokens/{issued.token.pk}/", {"expires": iso(timezone.now() + timedelta(days=1))}, format="json"
    )
    assert response.status_code == 404
    assert AccessToken.objects.get(pk=issued.token.pk).revoked_at is not None


def test_a_read_token_cannot_renew(client_for, org_member):
    client = client_for(org_member, scope="read")
    response = client.patch(
        f"/api/v2/tokens/{client.token.pk}/", {"expires": iso(timezone.now() + timedelta(days=1))}, format="json"
    )
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]


def test_org_admin_renews_no_members_token(client_for, org_admin, org_member, app):
    """Renewing extends a credential: only its owner (or a superuser) may; an admin may revoke it."""
    app_token = factories.application_token(org_member, app).token
    pat = factories.personal_token(org_member).token
    client = client_for(org_admin)
    later = iso(timezone.now() + timedelta(days=1))
    refused = client.patch(f"/api/v2/tokens/{app_token.pk}/", {"expires": later}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the token's owner can renew it; an organization admin can revoke it."}
    assert AccessToken.objects.get(pk=app_token.pk).expires == app_token.expires
    assert client.patch(f"/api/v2/tokens/{app_token.pk}/", {"description": "x"}, format="json").status_code == 200
    assert client.patch(f"/api/v2/tokens/{pat.pk}/", {"expires": later}, format="json").status_code == 404
