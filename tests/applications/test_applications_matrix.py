"""Who may do what with an application of `org`: one literal table, every cell over HTTP."""

import pytest

from applications.models import Application
from tests import factories
from tests.support.personas import PERSONAS
from users.models import Membership
from users.roles import Role

ACTIONS = ("list", "read", "create", "change", "delete")

# (persona, action, expected_status) for an application of organization `org`.
MATRIX = [
    ("superuser", "list", 200),
    ("superuser", "read", 200),
    ("superuser", "create", 201),
    ("superuser", "change", 200),
    ("superuser", "delete", 204),
    ("system_auditor", "list", 200),
    ("system_auditor", "read", 200),
    ("system_auditor", "create", 403),
    ("system_auditor", "change", 403),
    ("system_auditor", "delete", 403),
    ("org_admin", "list", 200),
    ("org_admin", "read", 200),
    ("org_admin", "create", 201),
    ("org_admin", "change", 200),
    ("org_admin", "delete", 204),
    ("org_member", "list", 200),
    ("org_member", "read", 200),
    ("org_member", "create", 403),
    ("org_member", "change", 403),
    ("org_member", "delete", 403),
    ("org_auditor", "list", 200),
    ("org_auditor", "read", 200),
    ("org_auditor", "create", 403),
    ("org_auditor", "change", 403),
    ("org_auditor", "delete", 403),
    ("other_org_admin", "list", 200),
    ("other_org_admin", "read", 404),
    ("other_org_admin", "create", 400),  # `org` is invisible to them: answered as a missing organization
    ("other_org_admin", "change", 404),
    ("other_org_admin", "delete", 404),
    ("plain_user", "list", 200),
    ("plain_user", "read", 404),
    ("plain_user", "create", 403),
    ("plain_user", "change", 404),
    ("plain_user", "delete", 404),
    ("anonymous", "list", 401),
    ("anonymous", "read", 401),
    ("anonymous", "create", 401),
    ("anonymous", "change", 401),
    ("anonymous", "delete", 401),
]

# Whether the application of `org` is in the persona's list.
SEES_IN_LIST = {
    "superuser": True,
    "system_auditor": True,
    "org_admin": True,
    "org_member": True,
    "org_auditor": True,
    "other_org_admin": False,
    "plain_user": False,
}

WRITES = {"create", "change", "delete"}


def _status(persona_name, action):
    return next(status for name, act, status in MATRIX if (name, act) == (persona_name, action))


def test_matrix_is_complete():
    cells = [(name, action) for name, action, _ in MATRIX]
    assert len(cells) == len(set(cells))
    assert set(cells) == {(name, action) for name in PERSONAS for action in ACTIONS}


def perform(client, action, org, target, name="Created"):
    if action == "list":
        return client.get("/api/v2/applications/")
    if action == "read":
        return client.get(f"/api/v2/applications/{target.pk}/")
    if action == "create":
        body = {
            "name": name,
            "client_type": "confidential",
            "authorization_grant_type": "password",
            "organization": org.pk,
        }
        return client.post("/api/v2/applications/", body, format="json")
    if action == "change":
        return client.patch(f"/api/v2/applications/{target.pk}/", {"description": "changed"}, format="json")
    if action == "delete":
        return client.delete(f"/api/v2/applications/{target.pk}/")
    raise AssertionError(action)


@pytest.mark.parametrize(("persona_name", "action", "expected"), MATRIX, ids=[f"{p}-{a}" for p, a, _ in MATRIX])
def test_application_matrix(client_for, persona, org, other_org, persona_name, action, expected):
    user = persona(persona_name)
    target = factories.application(org, name="Target")
    response = perform(client_for(user), action, org, target)
    assert response.status_code == expected, response.content

    if action == "list" and expected == 200:
        ids = [item["id"] for item in response.json()["results"]]
        assert (target.pk in ids) is SEES_IN_LIST[persona_name]
    if action == "change":
        target.refresh_from_db()
        assert (target.description == "changed") is (expected == 200)
    if action == "delete":
        assert Application.objects.filter(pk=target.pk).exists() is (expected != 204)
    if action == "create":
        assert Application.objects.filter(name="Created").exists() is (expected == 201)

    if action in WRITES and 200 <= expected < 300:
        # The same write with a read-scoped token of the same person is refused by the mask.
        fresh = factories.application(org, name="Second target")
        denied = perform(client_for(user, scope="read"), action, org, fresh, name="Created by read token")
        assert denied.status_code == 403
        assert denied.json()["detail"] == "This action requires the 'write' scope; this token has 'read'."
        assert 'error="insufficient_scope"' in denied["WWW-Authenticate"]
        fresh.refresh_from_db()
        assert fresh.description == ""
        assert not Application.objects.filter(name="Created by read token").exists()


@pytest.mark.parametrize("persona_name", [name for name in PERSONAS if _status(name, "read") == 200])
def test_user_capabilities_agree_with_the_matrix(client_for, persona, org, persona_name):
    user = persona(persona_name)
    target = factories.application(org, name="Target")
    expected = {
        "edit": _status(persona_name, "change") == 200,
        "delete": _status(persona_name, "delete") == 204,
    }
    detail = client_for(user).get(f"/api/v2/applications/{target.pk}/").json()
    assert detail["summary_fields"]["user_capabilities"] == expected
    listed = client_for(user).get("/api/v2/applications/").json()["results"]
    assert [item["summary_fields"]["user_capabilities"] for item in listed] == [expected]
    # A read token reports nothing it could not do.
    masked = client_for(user, scope="read").get(f"/api/v2/applications/{target.pk}/").json()
    assert masked["summary_fields"]["user_capabilities"] == {"edit": False, "delete": False}


def test_create_in_another_organization_is_refused_with_a_reason(client_for, org_admin, other_org):
    # They see other_org (a member there), so the refusal may say why.
    Membership.objects.create(user=org_admin, organization=other_org, role=Role.MEMBER)
    body = {
        "name": "Elsewhere",
        "client_type": "confidential",
        "authorization_grant_type": "password",
        "organization": other_org.pk,
    }
    response = client_for(org_admin).post("/api/v2/applications/", body, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "You can create applications only in organizations you administer."}


def test_create_without_any_admin_role_is_refused_with_a_reason(client_for, org_member, org):
    body = {"name": "X", "client_type": "public", "authorization_grant_type": "password", "organization": org.pk}
    response = client_for(org_member).post("/api/v2/applications/", body, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only an admin of an organization can create applications."}
