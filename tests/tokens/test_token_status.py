"""`?status=` on the token lists: active by default, expired, revoked tombstones, or all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories


@pytest.fixture
def app(org):
    return factories.application(org)


@pytest.fixture
def member_tokens(org_member, app):
    active = factories.application_token(org_member, app, description="active").token
    expired = factories.application_token(org_member, app, description="expired").token
    expired.expires = timezone.now() - timedelta(hours=1)
    expired.save(update_fields=["expires"])
    revoked = factories.application_token(org_member, app, description="revoked").token
    revoked.revoke(by=org_member)
    revoked_pat = factories.personal_token(org_member, description="revoked pat").token
    revoked_pat.revoke(by=org_member)
    return {"active": active, "expired": expired, "revoked": revoked, "revoked_pat": revoked_pat}


def listed(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content
    return {row["description"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"active"}),
        ("?status=active", {"active"}),
        ("?status=expired", {"expired"}),
        ("?status=revoked", {"revoked", "revoked pat"}),
        ("?status=all", {"active", "expired", "revoked", "revoked pat"}),
    ],
)
def test_status_filter_for_the_owner(client_for, org_member, member_tokens, query, expected):
    client = client_for(org_member, auth="basic")
    assert listed(client, f"/api/v2/tokens/{query}") == expected
    assert listed(client, f"/api/v2/users/org_member/tokens/{query}") == expected


def test_status_filter_on_application_and_authorized_lists(client_for, org_member, member_tokens, app):
    client = client_for(org_member, auth="basic")
    assert listed(client, f"/api/v2/applications/{app.pk}/tokens/?status=all") == {"active", "expired", "revoked"}
    assert listed(client, "/api/v2/users/org_member/authorized_tokens/?status=revoked") == {"revoked"}
    assert listed(client, "/api/v2/users/org_member/personal_tokens/?status=revoked") == {"revoked pat"}


def test_revoked_tokens_show_who_revoked_them_and_cannot_change(client_for, org_member, member_tokens):
    client = client_for(org_member, auth="basic")
    rows = {row["description"]: row for row in client.get("/api/v2/tokens/?status=all").json()["results"]}
    revoked = rows["revoked"]
    assert revoked["revoked_at"] is not None
    assert revoked["revoked_by"] == org_member.pk
    assert revoked["summary_fields"]["revoked_by"] == {"id": org_member.pk, "username": "org_member"}
    assert revoked["summary_fields"]["user_capabilities"] == {"edit": False, "delete": False}
    assert revoked["token"] == "************"
    assert rows["active"]["revoked_at"] is None and rows["active"]["revoked_by"] is None
    assert "revoked_by" not in rows["active"]["summary_fields"]
    assert client.get(f"/api/v2/tokens/{member_tokens['revoked'].pk}/").status_code == 404
    assert client.get(f"/api/v2/tokens/{member_tokens['expired'].pk}/").status_code == 200


@pytest.mark.parametrize(
    "viewer, expected",
    [
        ("superuser", {"revoked", "revoked pat"}),
        ("system_auditor", {"revoked", "revoked pat"}),
        ("org_admin", {"revoked"}),
        ("org_auditor", {"revoked"}),
        ("other_org_admin", set()),
        ("plain_user", set()),
    ],
)
def test_revoked_tokens_are_shown_as_far_as_the_token_was_visible(client_for, persona, member_tokens, viewer, expected):
    client = client_for(persona(viewer), auth="basic")
    assert listed(client, "/api/v2/tokens/?status=revoked") == expected


def test_revoked_tokens_of_an_invisible_user_stay_404(client_for, plain_user, member_tokens):
    response = client_for(plain_user, auth="basic").get("/api/v2/users/org_member/tokens/?status=all")
    assert response.status_code == 404


@pytest.mark.parametrize("status", ["deleted", "ACTIVE", ""])
def test_unknown_status_is_400(client_for, org_member, status):
    response = client_for(org_member).get(f"/api/v2/tokens/?status={status}")
    assert response.status_code == 400
    assert response.json() == {"status": ["Must be one of: active, expired, revoked, all."]}


def test_expired_renewable_token_can_be_filtered_by_application_and_ordered(client_for, org_member, member_tokens, app):
    client = client_for(org_member, auth="basic")
    rows = client.get(f"/api/v2/tokens/?status=all&application={app.pk}&order_by=description").json()["results"]
    assert [row["description"] for row in rows] == ["active", "expired", "revoked"]
