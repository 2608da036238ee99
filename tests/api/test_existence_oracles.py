"""An object the requester cannot see answers exactly as one that does not exist, on every writable reference."""

import pytest

from tests import factories
from users.models import Membership
from users.roles import Role

MISSING = 987654321


def application_body(organization_id):
    return {
        "name": "Probe",
        "client_type": "confidential",
        "authorization_grant_type": "password",
        "organization": organization_id,
    }


def invalid_pk(pk) -> list[str]:
    return [f'Invalid pk "{pk}" - object does not exist.']


@pytest.mark.parametrize("url", ["/api/v2/applications/", "/api/v2/users/{me}/applications/"])
def test_creating_an_application_in_an_invisible_organization_reads_as_missing(client_for, other_org_admin, org, url):
    client = client_for(other_org_admin)
    url = url.format(me=other_org_admin.pk)

    invisible = client.post(url, application_body(org.pk), format="json")
    missing = client.post(url, application_body(MISSING), format="json")

    assert invisible.status_code == missing.status_code == 400
    assert invisible.json() == {"organization": invalid_pk(org.pk)}
    assert missing.json() == {"organization": invalid_pk(MISSING)}


def test_a_visible_organization_one_does_not_administer_keeps_its_reason(client_for, other_org_admin, org):
    Membership.objects.create(user=other_org_admin, organization=org, role=Role.MEMBER)
    response = client_for(other_org_admin).post("/api/v2/applications/", application_body(org.pk), format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "You can create applications only in organizations you administer."}


def test_moving_an_application_to_an_invisible_organization_reads_as_missing(client_for, org_admin, org, other_org):
    app = factories.application(org)
    client = client_for(org_admin)

    invisible = client.patch(f"/api/v2/applications/{app.pk}/", {"organization": other_org.pk}, format="json")
    missing = client.patch(f"/api/v2/applications/{app.pk}/", {"organization": MISSING}, format="json")

    assert invisible.status_code == missing.status_code == 400
    assert invisible.json() == {"organization": invalid_pk(other_org.pk)}
    assert missing.json() == {"organization": invalid_pk(MISSING)}


def test_a_token_for_an_invisible_application_reads_as_missing(client_for, org_member, other_org):
    hidden = factories.application(other_org)
    client = client_for(org_member)

    invisible = client.post("/api/v2/tokens/", {"application": hidden.pk}, format="json")
    missing = client.post("/api/v2/tokens/", {"application": MISSING}, format="json")

    assert invisible.status_code == missing.status_code == 400
    assert invisible.json() == {"application": invalid_pk(hidden.pk)}
    assert missing.json() == {"application": invalid_pk(MISSING)}


@pytest.mark.parametrize("relation", ["users", "admins", "auditors"])
def test_removing_someone_not_in_the_list_reads_as_missing(client_for, org_admin, org, other_org, relation):
    """Removing nobody changes nothing, so it must not tell which user ids exist either."""
    stranger = factories.user("stranger", member_of=[other_org])  # invisible to org_admin
    colleague = factories.user("colleague")
    # A role that does not put them in this list.
    role = Role.MEMBER if relation == "auditors" else Role.AUDITOR
    Membership.objects.create(user=colleague, organization=org, role=role)
    client = client_for(org_admin)
    url = f"/api/v2/organizations/{org.pk}/{relation}/"

    answers = [
        client.post(url, {"id": pk, "disassociate": True}, format="json") for pk in (stranger.pk, colleague.pk, MISSING)
    ]

    for response, pk in zip(answers, (stranger.pk, colleague.pk, MISSING), strict=True):
        assert response.status_code == 400
        assert response.json() == {"id": [f"User {pk} is not in this list."]}
    assert Membership.objects.filter(user=colleague).count() == 1


def test_removing_someone_in_the_list_still_works(client_for, org_admin, org):
    member = factories.user("leaving", member_of=[org])
    response = client_for(org_admin).post(
        f"/api/v2/organizations/{org.pk}/users/", {"id": member.pk, "disassociate": True}, format="json"
    )
    assert response.status_code == 204
    assert not Membership.objects.filter(user=member).exists()


def test_an_invisible_parent_reads_as_missing_on_nested_creation(client_for, other_org_admin, org):
    client = client_for(other_org_admin)
    body = application_body(None)
    del body["organization"]
    invisible = client.post(f"/api/v2/organizations/{org.pk}/applications/", body, format="json")
    missing = client.post(f"/api/v2/organizations/{MISSING}/applications/", body, format="json")
    assert invisible.status_code == missing.status_code == 404
    assert invisible.json() == missing.json()
