"""The activity stream: what writes record, who sees which entries, and that nothing writes them over HTTP."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activity.models import ActivityEntry
from tests import factories

APP_TYPE = "o_auth2_application"
TOKEN_TYPE = "o_auth2_access_token"


def create_application(client, org, **overrides):
    body = {
        "name": "Portal",
        "description": "first",
        "client_type": "confidential",
        "redirect_uris": "",
        "authorization_grant_type": "password",
        "organization": org.pk,
    }
    body.update(overrides)
    response = client.post("/api/v2/applications/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def entries_for(object_type, object_id):
    return list(ActivityEntry.objects.filter(object_type=object_type, object_id=object_id).order_by("id"))


def raw_activity_rows() -> str:
    """Every activity row as the database holds it, as one string."""
    table = connection.ops.quote_name(ActivityEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (a fixed table name)
        return json.dumps(cursor.fetchall(), default=str)


# What is recorded -------------------------------------------------------------------


def test_application_create_update_delete_are_recorded(client_for, superuser, org):
    client = client_for(superuser)
    created = create_application(client, org)
    pk = created["id"]
    [entry] = entries_for(APP_TYPE, pk)
    assert (entry.operation, entry.actor, entry.organization_id) == ("create", superuser, org.pk)
    assert entry.changes == {
        "name": "Portal",
        "description": "first",
        "client_id": created["client_id"],
        "client_type": "confidential",
        "redirect_uris": "",
        "authorization_grant_type": "password",
        "skip_authorization": False,
        "organization": org.pk,
        "is_resource_server": False,
    }

    response = client.patch(
        f"/api/v2/applications/{pk}/", {"name": "Portal 2", "description": "second", "client_type": "confidential"}
    )
    assert response.status_code == 200
    update = entries_for(APP_TYPE, pk)[-1]
    assert update.operation == "update"
    # Only what changed, as [old, new].
    assert update.changes == {"name": ["Portal", "Portal 2"], "description": ["first", "second"]}

    # A write that changes nothing records nothing.
    client.patch(f"/api/v2/applications/{pk}/", {"name": "Portal 2"})
    assert len(entries_for(APP_TYPE, pk)) == 2

    assert client.delete(f"/api/v2/applications/{pk}/").status_code == 204
    deleted = entries_for(APP_TYPE, pk)[-1]
    assert (deleted.operation, deleted.changes, deleted.actor) == ("delete", {"name": "Portal 2"}, superuser)


def test_deleting_an_application_records_the_deletion_of_its_tokens(client_for, superuser, org, org_member):
    app = factories.application(org)
    issued = factories.application_token(org_member, app, description="cli")
    assert client_for(superuser).delete(f"/api/v2/applications/{app.pk}/").status_code == 204
    last = entries_for(TOKEN_TYPE, issued.token.pk)[-1]
    assert last.operation == "delete"
    assert last.subject_user_id == org_member.pk
    assert last.changes == {"description": "cli", "application": app.pk}


def test_no_client_secret_anywhere_in_the_activity_stream(client_for, superuser, org):
    client = client_for(superuser)
    created = create_application(client, org)
    pk = created["id"]
    client.patch(f"/api/v2/applications/{pk}/", {"description": "edited", "client_secret": "attempt"})
    client.delete(f"/api/v2/applications/{pk}/")

    secret = created["client_secret"]
    assert len(secret) >= 40
    raw = raw_activity_rows()
    assert secret not in raw
    assert "client_secret" not in raw
    assert "pbkdf2" not in raw and "md5$" not in raw
    listed = client.get("/api/v2/activity_stream/?page_size=200").content.decode()
    assert secret not in listed and "client_secret" not in listed


def test_no_token_value_anywhere_in_the_activity_stream(client_for, org_member, org):
    app = factories.application(org)
    issued = factories.application_token(org_member, app)
    client = client_for(org_member)
    raw = raw_activity_rows()
    for value in (issued.value, issued.refresh_value, client.token_value):
        assert value not in raw


# Shape and read-only ------------------------------------------------------------------


def test_entry_shape(client_for, superuser, org):
    client = client_for(superuser)
    pk = create_application(client, org)["id"]
    entry = entries_for(APP_TYPE, pk)[0]
    body = client.get(f"/api/v2/activity_stream/{entry.pk}/").json()
    assert list(body) == [
        "id",
        "type",
        "url",
        "related",
        "summary_fields",
        "timestamp",
        "operation",
        "object_type",
        "object1",
        "object_id",
        "object_repr",
        "changes",
    ]
    assert body["type"] == "activity_stream"
    assert body["url"] == f"/api/v2/activity_stream/{entry.pk}/"
    assert body["related"] == {
        "actor": f"/api/v2/users/{superuser.pk}/",
        "object": f"/api/v2/applications/{pk}/",
    }
    assert body["summary_fields"] == {"actor": {"id": superuser.pk, "username": "root"}}
    assert (body["operation"], body["object_type"], body["object1"], body["object_id"]) == (
        "create",
        APP_TYPE,
        APP_TYPE,
        pk,
    )
    assert body["object_repr"] == "Portal"
    assert body["changes"]["name"] == "Portal"


def test_a_deleted_actor_keeps_their_name(client_for, superuser, org):
    admin = factories.user("gone", admin_of=[org])
    pk = create_application(client_for(admin), org)["id"]
    entry = entries_for(APP_TYPE, pk)[0]
    admin.delete()
    body = client_for(superuser).get(f"/api/v2/activity_stream/{entry.pk}/").json()
    assert body["summary_fields"] == {"actor": {"id": None, "username": "gone"}}
    assert "actor" not in body["related"]


def test_activity_stream_is_listed_at_the_v2_root(client_for):
    assert client_for(None).get("/api/v2/").json()["activity_stream"] == "/api/v2/activity_stream/"


@pytest.mark.parametrize("scope", ["write", "read"])
def test_entries_are_read_only(client_for, superuser, org, scope):
    client = client_for(superuser, scope=scope)
    entry = ActivityEntry.objects.get(subject_user=superuser)  # issuing the client's token
    assert client.post("/api/v2/activity_stream/", {"operation": "create"}, format="json").status_code == 405
    detail = f"/api/v2/activity_stream/{entry.pk}/"
    assert client.put(detail, {"operation": "x"}, format="json").status_code == 405
    assert client.patch(detail, {"operation": "x"}, format="json").status_code == 405
    assert client.delete(detail).status_code == 405
    app = factories.application(org, name="Other")
    assert client.post(f"/api/v2/applications/{app.pk}/activity_stream/", {}, format="json").status_code == 405
    assert ActivityEntry.objects.filter(pk=entry.pk).exists()


def test_anonymous_gets_401(client_for):
    assert client_for(None).get("/api/v2/activity_stream/").status_code == 401


# Who sees which entries ----------------------------------------------------------------


@pytest.fixture
def scene(client_for, superuser, org, other_org, org_admin, org_member):
    """Entries about an application and an application token of `org`, and an application of `other_org`."""
    app = create_application(client_for(org_admin), org)
    other_app = create_application(client_for(superuser), other_org, name="Elsewhere")
    colleague = factories.user("colleague", member_of=[org])
    issued = factories.application_token(colleague, factories.application(org, name="Tokens"))
    return {
        "app": entries_for(APP_TYPE, app["id"])[0].pk,
        "other_app": entries_for(APP_TYPE, other_app["id"])[0].pk,
        "colleague_token": entries_for(TOKEN_TYPE, issued.token.pk)[0].pk,
    }


# (persona, entry, visible)
VISIBILITY = [
    ("superuser", "app", True),
    ("superuser", "other_app", True),
    ("superuser", "colleague_token", True),
    ("system_auditor", "app", True),
    ("system_auditor", "other_app", True),
    ("system_auditor", "colleague_token", True),
    ("org_admin", "app", True),
    ("org_admin", "other_app", False),
    ("org_admin", "colleague_token", True),
    ("org_member", "app", True),
    ("org_member", "other_app", False),
    ("org_member", "colleague_token", False),
    ("org_auditor", "app", True),
    ("org_auditor", "other_app", False),
    ("org_auditor", "colleague_token", True),
    ("other_org_admin", "app", False),
    ("other_org_admin", "other_app", True),
    ("other_org_admin", "colleague_token", False),
    ("plain_user", "app", False),
    ("plain_user", "other_app", False),
    ("plain_user", "colleague_token", False),
]


@pytest.mark.parametrize(
    ("persona_name", "entry_name", "visible"), VISIBILITY, ids=[f"{p}-{e}" for p, e, _ in VISIBILITY]
)
def test_entry_visibility(client_for, persona, scene, persona_name, entry_name, visible):
    client = client_for(persona(persona_name))
    entry_id = scene[entry_name]
    listed = client.get("/api/v2/activity_stream/?page_size=200").json()["results"]
    assert (entry_id in [item["id"] for item in listed]) is visible
    assert client.get(f"/api/v2/activity_stream/{entry_id}/").status_code == (200 if visible else 404)


def test_everyone_sees_what_they_did_and_what_concerns_them(client_for, plain_user, superuser):
    client = client_for(plain_user)  # issuing its token records an entry about plain_user
    own = ActivityEntry.objects.filter(subject_user=plain_user).values_list("pk", flat=True)
    assert own
    listed = [item["id"] for item in client.get("/api/v2/activity_stream/").json()["results"]]
    assert set(own) <= set(listed)
    # Nothing of anyone else's: the superuser's own token entry stays hidden.
    client_for(superuser)
    theirs = ActivityEntry.objects.filter(subject_user=superuser).values_list("pk", flat=True)
    listed = [item["id"] for item in client.get("/api/v2/activity_stream/").json()["results"]]
    assert not set(theirs) & set(listed)


# Per-object lists --------------------------------------------------------------------------


def test_application_activity_stream_lists_that_application_only(client_for, superuser, org):
    client = client_for(superuser)
    pk = create_application(client, org)["id"]
    client.patch(f"/api/v2/applications/{pk}/", {"description": "edited"}, format="json")
    create_application(client, org, name="Other")
    response = client.get(f"/api/v2/applications/{pk}/activity_stream/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(item["operation"], item["object_id"]) for item in results] == [("update", pk), ("create", pk)]


@pytest.mark.parametrize(
    ("persona_name", "expected"),
    [("org_member", 200), ("org_auditor", 200), ("system_auditor", 200), ("other_org_admin", 404), ("plain_user", 404)],
)
def test_application_activity_stream_follows_the_application(client_for, persona, org, persona_name, expected):
    app = factories.application(org)
    response = client_for(persona(persona_name)).get(f"/api/v2/applications/{app.pk}/activity_stream/")
    assert response.status_code == expected


def test_token_activity_stream(client_for, org_member, org_admin, plain_user, org):
    client = client_for(org_member)
    token = client.token
    response = client.get(f"/api/v2/tokens/{token.pk}/activity_stream/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(item["operation"], item["object_type"], item["object_id"]) for item in results] == [
        ("create", TOKEN_TYPE, token.pk)
    ]
    # Someone else's personal token is not theirs to see, nor its history.
    assert client_for(plain_user).get(f"/api/v2/tokens/{token.pk}/activity_stream/").status_code == 404
    assert client_for(org_admin).get(f"/api/v2/tokens/{token.pk}/activity_stream/").status_code == 404


def test_application_token_activity_stream_for_the_org_admin(client_for, org, org_member, org_admin):
    issued = factories.application_token(org_member, factories.application(org))
    response = client_for(org_admin).get(f"/api/v2/tokens/{issued.token.pk}/activity_stream/")
    assert response.status_code == 200
    assert [item["object_id"] for item in response.json()["results"]] == [issued.token.pk]


def test_activity_stream_queries_do_not_grow(client_for, org_admin, org):
    client = client_for(org_admin)
    client.get("/api/v2/activity_stream/")
    for n in range(2):
        factories.user(f"actor{n}", admin_of=[org])
    create_application(client, org, name="A0")
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v2/activity_stream/?page_size=200")
    for n in range(1, 30):
        actor = factories.user(f"other{n}", admin_of=[org])
        create_application(client_for(actor), org, name=f"A{n}")
    with CaptureQueriesContext(connection) as large:
        response = client.get("/api/v2/activity_stream/?page_size=200")
    assert response.json()["count"] > 30
    assert len(large) == len(small)


def test_token_entries_link_to_the_token_before_and_after_revocation(client_for, org_member):
    client = client_for(org_member)
    created = client.post(f"/api/v2/users/{org_member.pk}/personal_tokens/", {"description": "ci"}, format="json")
    token_id = created.json()["id"]
    assert client.delete(f"/api/v2/tokens/{token_id}/").status_code == 204

    stream = client.get(f"/api/v2/activity_stream/?object_type={TOKEN_TYPE}&object_id={token_id}").json()
    operations = {entry["operation"] for entry in stream["results"]}
    assert {"create", "delete"} <= operations
    for entry in stream["results"]:
        link = entry["related"]["object"]
        found = client.get(link).json()["results"]
        assert [item["id"] for item in found] == [token_id]
        assert found[0]["revoked_at"] is not None


def test_a_revoked_tokens_activity_stream_stays_readable(client_for, org_member, plain_user):
    client = client_for(org_member)
    created = client.post(f"/api/v2/users/{org_member.pk}/personal_tokens/", {"description": "ci"}, format="json")
    token_id = created.json()["id"]
    assert client.delete(f"/api/v2/tokens/{token_id}/").status_code == 204
    assert client.get(f"/api/v2/tokens/{token_id}/").status_code == 404
    stream = client.get(f"/api/v2/tokens/{token_id}/activity_stream/")
    assert stream.status_code == 200
    assert [entry["operation"] for entry in stream.json()["results"]] == ["delete", "create"]
    # Still nobody else's business.
    assert client_for(plain_user).get(f"/api/v2/tokens/{token_id}/activity_stream/").status_code == 404
