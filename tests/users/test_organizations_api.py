"""Organizations and their role endpoints: users (members, admins included), admins, auditors."""

import pytest

from activity.models import ActivityEntry
from tests import factories
from users.models import Membership, Organization


def _names(response, key="username"):
    assert response.status_code == 200, response.content
    return sorted(row[key] for row in response.json()["results"])


def test_superuser_creates_changes_and_deletes_an_organization(client_for, superuser):
    client = client_for(superuser)

    created = client.post("/api/v2/organizations/", {"name": "Acme", "description": "Rockets"}, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert created["Location"] == data["url"] == f"/api/v2/organizations/{data['id']}/"
    assert data["type"] == "organization"
    assert data["related"] == {
        "users": f"/api/v2/organizations/{data['id']}/users/",
        "admins": f"/api/v2/organizations/{data['id']}/admins/",
        "auditors": f"/api/v2/organizations/{data['id']}/auditors/",
        "token_policy": f"/api/v2/organizations/{data['id']}/token_policy/",
    }

    changed = client.patch(data["url"], {"description": "Anvils"}, format="json")
    assert changed.status_code == 200
    assert Organization.objects.get(pk=data["id"]).description == "Anvils"

    deleted = client.delete(data["url"])
    assert deleted.status_code == 204
    assert not Organization.objects.filter(pk=data["id"]).exists()
    assert list(
        ActivityEntry.objects.filter(object_type="organization").order_by("id").values_list("operation", flat=True)
    ) == ["create", "update", "delete"]


def test_organization_names_are_unique(client_for, superuser, org):
    response = client_for(superuser).post("/api/v2/organizations/", {"name": "Default"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_an_org_admin_edits_its_organization(client_for, org_admin, org):
    response = client_for(org_admin).put(
        f"/api/v2/organizations/{org.pk}/", {"name": "Renamed", "description": "by its admin"}, format="json"
    )
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert (org.name, org.description) == ("Renamed", "by its admin")


def test_an_admin_is_implicitly_a_member(client_for, superuser, org, org_admin, org_member, org_auditor):
    client = client_for(superuser)
    assert _names(client.get(f"/api/v2/organizations/{org.pk}/users/")) == ["org_admin", "org_member"]
    assert _names(client.get(f"/api/v2/organizations/{org.pk}/admins/")) == ["org_admin"]
    assert _names(client.get(f"/api/v2/organizations/{org.pk}/auditors/")) == ["org_auditor"]


@pytest.mark.parametrize(("relation", "role"), [("users", "member"), ("admins", "admin"), ("auditors", "auditor")])
def test_associate_and_disassociate_a_role(client_for, org_admin, org, plain_user, relation, role):
    client = client_for(org_admin)
    url = f"/api/v2/organizations/{org.pk}/{relation}/"

    associated = client.post(url, {"id": plain_user.pk}, format="json")
    assert associated.status_code == 204
    assert associated.content == b""
    assert Membership.objects.filter(user=plain_user, organization=org, role=role).exists()
    assert "plain" in _names(client.get(url))

    again = client.post(url, {"id": plain_user.pk}, format="json")
    assert again.status_code == 204
    assert Membership.objects.filter(user=plain_user, organization=org, role=role).count() == 1

    removed = client.post(url, {"id": plain_user.pk, "disassociate": True}, format="json")
    assert removed.status_code == 204
    assert not Membership.objects.filter(user=plain_user, organization=org).exists()
    assert "plain" not in _names(client.get(url))

    operations = ActivityEntry.objects.filter(object_type="organization", subject_user_id=plain_user.pk)
    assert sorted(operations.values_list("operation", flat=True)) == ["associate", "disassociate"]


def test_a_new_admin_is_listed_among_the_users(client_for, superuser, org, plain_user):
    client = client_for(superuser)
    client.post(f"/api/v2/organizations/{org.pk}/admins/", {"id": plain_user.pk}, format="json")
    assert "plain" in _names(client.get(f"/api/v2/organizations/{org.pk}/users/"))


def test_removing_a_user_from_the_users_removes_their_admin_role_too(client_for, superuser, org, org_admin):
    # Admins are listed among the users, so taking someone out of that list must take them out.
    client = client_for(superuser)

    response = client.post(
        f"/api/v2/organizations/{org.pk}/users/", {"id": org_admin.pk, "disassociate": True}, format="json"
    )

    assert response.status_code == 204
    assert "org_admin" not in _names(client.get(f"/api/v2/organizations/{org.pk}/users/"))
    assert "org_admin" not in _names(client.get(f"/api/v2/organizations/{org.pk}/admins/"))


def test_removing_an_admin_role_keeps_an_explicit_membership(client_for, superuser, org, plain_user):
    factories_membership = [("member", plain_user), ("admin", plain_user)]
    for role, user in factories_membership:
        Membership.objects.create(user=user, organization=org, role=role)
    client = client_for(superuser)

    client.post(f"/api/v2/organizations/{org.pk}/admins/", {"id": plain_user.pk, "disassociate": True}, format="json")

    assert "plain" in _names(client.get(f"/api/v2/organizations/{org.pk}/users/"))
    assert "plain" not in _names(client.get(f"/api/v2/organizations/{org.pk}/admins/"))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "id"),
        ({"id": "abc"}, "id"),
        ({"id": 987654}, "id"),
        ({"id": None}, "id"),
        ({"id": 1, "disassociate": "perhaps"}, "disassociate"),
        ({"id": 1, "role": "admin"}, "role"),
    ],
    ids=["missing", "not-a-number", "no-such-user", "null", "bad-flag", "unknown-field"],
)
def test_bad_association_requests_are_400_naming_the_field(client_for, superuser, org, body, field):
    response = client_for(superuser).post(f"/api/v2/organizations/{org.pk}/users/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_association_body_must_be_an_object(client_for, superuser, org):
    response = client_for(superuser).post(f"/api/v2/organizations/{org.pk}/users/", [1, 2], format="json")
    assert response.status_code == 400


def test_association_endpoints_take_no_delete(client_for, superuser, org):
    response = client_for(superuser).delete(f"/api/v2/organizations/{org.pk}/users/")
    assert response.status_code == 405


def test_a_users_organizations(client_for, superuser, org, other_org):
    both = factories.user("both", member_of=[org], auditor_of=[other_org])
    client = client_for(superuser)

    assert _names(client.get(f"/api/v2/users/{both.pk}/organizations/"), "name") == ["Default", "Other"]
    assert _names(client.get(f"/api/v2/users/{both.pk}/admin_of_organizations/"), "name") == []


def test_a_users_organizations_shows_only_what_the_requester_sees(client_for, org, other_org, org_member):
    both = factories.user("both", member_of=[org, other_org])

    response = client_for(org_member).get(f"/api/v2/users/{both.pk}/organizations/")

    assert _names(response, "name") == ["Default"]


def test_members_see_only_their_organizations(client_for, org, other_org, org_member, other_org_admin, plain_user):
    assert _names(client_for(org_member).get("/api/v2/organizations/"), "name") == ["Default"]
    assert _names(client_for(other_org_admin).get("/api/v2/organizations/"), "name") == ["Other"]
    assert _names(client_for(plain_user).get("/api/v2/organizations/"), "name") == []


def test_deleting_an_organization_removes_its_memberships(client_for, superuser, org, org_member):
    assert client_for(superuser).delete(f"/api/v2/organizations/{org.pk}/").status_code == 204
    assert not Membership.objects.filter(user=org_member).exists()


def test_a_refused_association_says_nothing_about_which_ids_exist(client_for, org, org_member, plain_user):
    client = client_for(org_member)
    for target in (plain_user.pk, 987654):
        response = client.post(f"/api/v2/organizations/{org.pk}/users/", {"id": target}, format="json")
        assert response.status_code == 403
        assert response.json() == {"detail": "You do not have permission to perform this action."}
