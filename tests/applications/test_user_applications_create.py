"""POST /api/v2/users/{id}/applications/ creates an application as POST /api/v2/applications/ does."""

import pytest

from activity.models import ActivityEntry
from applications.models import Application
from tests import factories


def body(org, name="Made under a user"):
    return {
        "name": name,
        "client_type": "confidential",
        "authorization_grant_type": "password",
        "organization": org.pk,
    }


# (requester, user in the URL, organization in the body, expected status). `self` is the requester.
MATRIX = [
    ("superuser", "org_member", "org", 201),
    ("superuser", "self", "other_org", 201),
    ("org_admin", "org_member", "org", 201),
    ("org_admin", "self", "org", 201),
    ("org_admin", "org_member", "other_org", 400),  # invisible to them: read as a missing organization
    ("other_org_admin", "self", "other_org", 201),
    ("other_org_admin", "self", "org", 400),
    ("other_org_admin", "org_member", "other_org", 404),  # a user they cannot see
    ("org_member", "self", "org", 403),
    ("org_member", "org_admin", "org", 403),
    ("org_auditor", "self", "org", 403),
    ("system_auditor", "org_member", "org", 403),
    ("plain_user", "self", "org", 403),
    ("plain_user", "org_member", "org", 404),
    ("anonymous", "org_member", "org", 401),
]


@pytest.mark.parametrize(
    ("requester", "url_user", "organization", "expected"), MATRIX, ids=[f"{r}-{u}-{o}" for r, u, o, _ in MATRIX]
)
def test_create_matrix(client_for, persona, org, other_org, org_member, requester, url_user, organization, expected):
    user = persona(requester)
    target = user if url_user == "self" else persona(url_user)
    orgs = {"org": org, "other_org": other_org}
    url = f"/api/v2/users/{target.pk}/applications/"

    response = client_for(user).post(url, body(orgs[organization]), format="json")

    assert response.status_code == expected, response.content
    created = Application.objects.filter(name="Made under a user")
    assert created.exists() is (expected == 201)
    if expected == 201:
        assert created.get().organization == orgs[organization]
        # The same write with a read-scoped token of the same person is refused by the mask.
        denied = client_for(user, scope="read").post(url, body(orgs[organization], "By a read token"), format="json")
        assert denied.status_code == 403
        assert denied.json()["detail"] == "This action requires the 'write' scope; this token has 'read'."
        assert not Application.objects.filter(name="By a read token").exists()


def _refusals(org, other_org):
    return {
        "invisible organization": body(other_org),
        "missing organization": {**body(org), "organization": 987654321},
        "name taken": body(org, "Taken"),
        "bad grant type": {**body(org), "authorization_grant_type": "implicit"},
        "unknown field": {**body(org), "user": 1},
    }


@pytest.mark.parametrize(
    "case", ["invisible organization", "missing organization", "name taken", "bad grant type", "unknown field"]
)
def test_refusals_match_the_top_level_endpoint(client_for, org_admin, org, other_org, case):
    factories.application(org, name="Taken")
    client = client_for(org_admin)
    payload = _refusals(org, other_org)[case]

    top = client.post("/api/v2/applications/", payload, format="json")
    nested = client.post(f"/api/v2/users/{org_admin.pk}/applications/", payload, format="json")

    assert top.status_code == 400
    assert (nested.status_code, nested.json()) == (top.status_code, top.json())


def test_the_created_application_matches_the_top_level_endpoint(client_for, org_admin, org):
    client = client_for(org_admin)
    top = client.post("/api/v2/applications/", body(org, "Top"), format="json").json()
    nested = client.post(f"/api/v2/users/{org_admin.pk}/applications/", body(org, "Nested"), format="json").json()

    differ = {"id", "url", "related", "name", "client_id", "client_secret", "created", "modified"}
    assert {key: value for key, value in nested.items() if key not in differ} == {
        key: value for key, value in top.items() if key not in differ
    }
    assert nested["client_secret"] != "************" and nested["url"] == f"/api/v2/applications/{nested['id']}/"


def test_the_organization_is_still_required(client_for, superuser, org_member):
    payload = body(factories.organization("Somewhere"))
    del payload["organization"]
    response = client_for(superuser).post(f"/api/v2/users/{org_member.pk}/applications/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["organization"]


def test_the_user_in_the_url_may_be_a_username(client_for, org_admin, org, org_member):
    response = client_for(org_admin).post(
        f"/api/v2/users/{org_member.username}/applications/", body(org), format="json"
    )
    assert response.status_code == 201
    entry = ActivityEntry.objects.get(object_type="o_auth2_application", operation="create")
    assert entry.actor == org_admin and entry.subject_user is None


def test_a_missing_user_is_404_before_the_body_is_read(client_for, superuser):
    response = client_for(superuser).post("/api/v2/users/987654321/applications/", {"bogus": 1}, format="json")
    assert response.status_code == 404
    assert client_for(superuser).post("/api/v2/users/nobody/applications/", {}, format="json").status_code == 404
