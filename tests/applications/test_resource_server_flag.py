"""`is_resource_server` is set and cleared by a system administrator only, on every write path."""

import pytest

from activity.models import ActivityEntry
from applications.models import Application
from tests import factories

DENIAL = {"detail": "Only a system administrator can set is_resource_server."}


def payload(org, **overrides):
    body = {
        "name": "Gateway",
        "client_type": "confidential",
        "authorization_grant_type": "password",
        "organization": org.pk,
    }
    body.update(overrides)
    return body


@pytest.fixture
def marked(org):
    return factories.application(org, "Marked", is_resource_server=True)


@pytest.fixture
def plain(org):
    return factories.application(org, "Plain")


def test_a_superuser_marks_an_application_on_create_and_change(client_for, superuser, org, plain):
    admin = client_for(superuser)
    created = admin.post("/api/v2/applications/", payload(org, is_resource_server=True), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["is_resource_server"] is True
    assert Application.objects.get(pk=created.json()["id"]).is_resource_server

    changed = admin.patch(f"/api/v2/applications/{plain.pk}/", {"is_resource_server": True}, format="json")
    assert changed.status_code == 200 and changed.json()["is_resource_server"] is True
    update = ActivityEntry.objects.filter(object_id=plain.pk, operation="update").get()
    assert update.changes["is_resource_server"] == [False, True]


@pytest.mark.parametrize("path", ["/api/v2/applications/", "organizations/{org}/applications/"])
def test_an_org_admin_cannot_create_a_resource_server(client_for, org_admin, org, path):
    path = path if path.startswith("/") else f"/api/v2/{path.format(org=org.pk)}"
    response = client_for(org_admin).post(path, payload(org, is_resource_server=True), format="json")
    assert response.status_code == 403
    assert response.json() == DENIAL
    assert not Application.objects.filter(name="Gateway").exists()


def test_an_org_admin_may_send_false_on_create(client_for, org_admin, org):
    response = client_for(org_admin).post(
        "/api/v2/applications/", payload(org, is_resource_server=False), format="json"
    )
    assert response.status_code == 201
    assert response.json()["is_resource_server"] is False


@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_org_admin_cannot_mark_or_unmark(client_for, org_admin, org, plain, marked, method):
    client = client_for(org_admin)
    for app, value in ((plain, True), (marked, False)):
        body = {"is_resource_server": value}
        if method == "put":
            body = payload(org, name=app.name, **body)
        response = getattr(client, method)(f"/api/v2/applications/{app.pk}/", body, format="json")
        assert response.status_code == 403, response.content
        assert response.json() == DENIAL
        app.refresh_from_db()
        assert app.is_resource_server is (not value)


def test_an_org_admin_still_changes_a_resource_server_otherwise(client_for, org_admin, org, marked):
    client = client_for(org_admin)
    patched = client.patch(f"/api/v2/applications/{marked.pk}/", {"description": "edited"}, format="json")
    assert patched.status_code == 200
    # A full representation sends the unchanged value back: that is not an attempt to set it.
    put = client.put(
        f"/api/v2/applications/{marked.pk}/",
        payload(org, name=marked.name, description="again", is_resource_server=True),
        format="json",
    )
    assert put.status_code == 200, put.content
    marked.refresh_from_db()
    assert marked.is_resource_server and marked.description == "again"


def test_the_field_is_shown_to_readers(client_for, org_member, marked):
    response = client_for(org_member).get(f"/api/v2/applications/{marked.pk}/")
    assert response.status_code == 200
    assert response.json()["is_resource_server"] is True


def test_a_read_token_of_a_superuser_cannot_set_it(client_for, superuser, plain):
    response = client_for(superuser, scope="read").patch(
        f"/api/v2/applications/{plain.pk}/", {"is_resource_server": True}, format="json"
    )
    assert response.status_code == 403
    plain.refresh_from_db()
    assert not plain.is_resource_server
