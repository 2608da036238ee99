"""Binding tokens to an organization over /api/v2/: the fields, who binds, unbinds and rebinds; bound credentials."""

import uuid

import pytest

from tests import factories
from tokens.models import AccessToken
from tokens.policy import REBIND_OTHERS_MESSAGE

CREATE_PATHS = ["/api/v2/tokens/", "/api/v2/users/ME/personal_tokens/", "/api/v2/users/ME/tokens/"]


def _path(path, user) -> str:
    return path.replace("ME", str(user.pk))


def test_every_token_shows_its_authorization_id_and_binding(client_for, org_member, org):
    client = client_for(org_member)
    created = client.post("/api/v2/tokens/", {"organization": org.pk, "scope": "read"}, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["organization"] == org.pk
    assert data["summary_fields"]["organization"] == {"id": org.pk, "name": org.name}
    assert data["related"]["organization"] == f"/api/v2/organizations/{org.pk}/"
    token = AccessToken.objects.get(pk=data["id"])
    assert data["authorization_id"] == str(token.authorization_id) and uuid.UUID(data["authorization_id"])
    assert token.organization_id == org.pk
    listed = client.get("/api/v2/tokens/", {"id": token.pk}).json()["results"][0]
    assert listed["authorization_id"] == data["authorization_id"] and listed["organization"] == org.pk
    unbound = client.get(f"/api/v2/tokens/{client.token.pk}/").json()
    assert unbound["organization"] is None and unbound["summary_fields"]["organization"] is None
    assert "organization" not in unbound["related"]


def test_authorization_id_is_read_only(client_for, org_member):
    client = client_for(org_member)
    before = client.token.authorization_id
    response = client.patch(
        f"/api/v2/tokens/{client.token.pk}/", {"authorization_id": str(uuid.uuid4())}, format="json"
    )
    assert response.status_code == 200
    client.token.refresh_from_db()
    assert client.token.authorization_id == before


@pytest.mark.parametrize("path", CREATE_PATHS)
def test_every_creating_path_takes_the_binding(path, client_for, org_member, org):
    client = client_for(org_member)
    response = client.post(_path(path, org_member), {"organization": org.pk}, format="json")
    assert response.status_code == 201, response.content
    assert AccessToken.objects.get(pk=response.json()["id"]).organization_id == org.pk


def test_an_application_token_takes_the_binding(client_for, org_member, org):
    app = factories.application(org)
    response = client_for(org_member).post(
        f"/api/v2/applications/{app.pk}/tokens/", {"organization": org.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert AccessToken.objects.get(pk=response.json()["id"]).organization_id == org.pk


@pytest.mark.parametrize("path", CREATE_PATHS)
def test_an_invisible_organization_is_as_missing_as_none(path, client_for, org_member, other_org):
    client = client_for(org_member)
    invisible = client.post(_path(path, org_member), {"organization": other_org.pk}, format="json")
    missing = client.post(_path(path, org_member), {"organization": 987654321}, format="json")
    assert invisible.status_code == missing.status_code == 400
    assert invisible.json()["organization"] == [f'Invalid pk "{other_org.pk}" - object does not exist.']
    assert missing.json()["organization"] == ['Invalid pk "987654321" - object does not exist.']


def test_the_owner_must_hold_a_role_where_the_token_is_bound(client_for, system_auditor, superuser, org):
    # A system auditor sees every organization but belongs to none of them.
    response = client_for(system_auditor).post("/api/v2/tokens/", {"organization": org.pk}, format="json")
    assert response.status_code == 403
    assert "holds none in organization 'Default'" in response.json()["detail"]
    assert client_for(superuser).post("/api/v2/tokens/", {"organization": org.pk}, format="json").status_code == 201


def test_the_owner_binds_unbinds_and_rebinds(client_for, org, other_org):
    owner = factories.user("both", member_of=[org, other_org])
    client = client_for(owner)
    token = factories.personal_token(owner).token
    url = f"/api/v2/tokens/{token.pk}/"
    for value in (org.pk, other_org.pk, None):
        response = client.patch(url, {"organization": value}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["organization"] == value
    token.refresh_from_db()
    assert token.organization_id is None


def test_an_org_admin_binds_a_member_s_token_but_never_unbinds_or_moves_it(client_for, org_admin, org, other_org):
    member = factories.user("member2", member_of=[org, other_org])
    factories.user("admin_of_other", admin_of=[other_org])
    app = factories.application(org)
    token = factories.application_token(member, app).token
    client = client_for(org_admin)
    url = f"/api/v2/tokens/{token.pk}/"
    # Binding an unbound token of the organization's application narrows it.
    assert client.patch(url, {"organization": org.pk}, format="json").status_code == 200
    unbind = client.patch(url, {"organization": None}, format="json")
    assert unbind.status_code == 403 and unbind.json()["detail"] == REBIND_OTHERS_MESSAGE
    # Restating the binding a client read is no change.
    assert client.put(url, client.get(url).json(), format="json").status_code == 200
    token.refresh_from_db()
    assert token.organization_id == org.pk
    # A bound PAT of the member, which the admin manages because it is bound to the organization.
    pat = factories.personal_token(member, organization=org).token
    unbind = client.patch(f"/api/v2/tokens/{pat.pk}/", {"organization": None}, format="json")
    assert unbind.status_code == 403 and unbind.json()["detail"] == REBIND_OTHERS_MESSAGE
    pat.refresh_from_db()
    assert pat.organization_id == org.pk


def test_binding_to_an_organization_the_owner_left_is_refused(client_for, org_admin, org, other_org):
    outsider = factories.user("outsider", member_of=[other_org])
    app = factories.application(org)
    token = factories.application_token(outsider, app).token
    response = client_for(org_admin).patch(f"/api/v2/tokens/{token.pk}/", {"organization": org.pk}, format="json")
    assert response.status_code == 403
    assert "outsider holds none in organization 'Default'" in response.json()["detail"]


def test_lists_filter_on_the_binding(client_for, org_member, org):
    client = client_for(org_member)
    bound = factories.personal_token(org_member, organization=org).token
    assert [row["id"] for row in client.get("/api/v2/tokens/", {"organization": org.pk}).json()["results"]] == [
        bound.pk
    ]
    unbound = {row["id"] for row in client.get("/api/v2/tokens/", {"organization__isnull": "true"}).json()["results"]}
    assert client.token.pk in unbound and bound.pk not in unbound
    by_name = client.get("/api/v2/tokens/", {"organization__name": org.name}).json()["results"]
    assert [row["id"] for row in by_name] == [bound.pk]
    assert client.get("/api/v2/tokens/", {"organization__uuid": str(org.uuid)}).status_code == 400


# A bound credential -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CREATE_PATHS)
def test_a_bound_token_creates_only_tokens_bound_to_its_organization(path, client_for, org_member, org, other_org):
    factories.user("member_both", member_of=[org, other_org])
    client = client_for(org_member, organization=org)
    url = _path(path, org_member)
    for body in ({}, {"organization": None}):
        response = client.post(url, body, format="json")
        assert response.status_code == 403, (body, response.content)
        assert response.json()["detail"].startswith("A token bound to an organization can create only")
    # Another organization is not even visible to it.
    assert client.post(url, {"organization": other_org.pk}, format="json").status_code == 400
    response = client.post(url, {"organization": org.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["organization"] == org.pk


def test_a_bound_token_creates_tokens_of_its_organization_s_applications(client_for, org_member, org, other_org):
    app = factories.application(org)
    other_app = factories.application(other_org, name="Other app")
    client = client_for(org_member, organization=org)
    assert client.post(f"/api/v2/applications/{other_app.pk}/tokens/", {}, format="json").status_code == 404
    assert client.post(f"/api/v2/applications/{app.pk}/tokens/", {}, format="json").status_code == 403
    created = client.post(f"/api/v2/applications/{app.pk}/tokens/", {"organization": org.pk}, format="json")
    assert created.status_code == 201, created.content


def test_a_bound_token_cannot_unbind_or_move_a_token(client_for, org, other_org):
    owner = factories.user("mover", member_of=[org, other_org])
    client = client_for(owner, organization=org)
    target = factories.personal_token(owner, organization=org).token
    for value in (None, other_org.pk):
        response = client.patch(f"/api/v2/tokens/{target.pk}/", {"organization": value}, format="json")
        assert response.status_code in (400, 403), response.content
    target.refresh_from_db()
    assert target.organization_id == org.pk
    own = client.patch(f"/api/v2/tokens/{client.token.pk}/", {"organization": None}, format="json")
    assert own.status_code == 403
    assert own.json()["detail"].startswith("A token bound to an organization cannot unbind")
    # Binding the user's own unbound PAT to its organization narrows it: allowed.
    unbound = factories.personal_token(owner).token
    assert client.patch(f"/api/v2/tokens/{unbound.pk}/", {"organization": org.pk}, format="json").status_code == 200
