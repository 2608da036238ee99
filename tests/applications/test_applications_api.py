"""The applications endpoints over HTTP: shape, secrets, field rules and their messages."""

import pytest
from django.contrib.auth.hashers import check_password

from applications.models import Application
from tests import factories
from tokens.models import AccessToken, RefreshToken

PLACEHOLDER = "************"


def payload(org, **overrides):
    body = {
        "name": "Admin Internal Application",
        "description": "For use by secure services & clients. ",
        "client_type": "confidential",
        "redirect_uris": "",
        "authorization_grant_type": "password",
        "skip_authorization": False,
        "organization": org.pk,
    }
    body.update(overrides)
    return body


@pytest.fixture
def admin(client_for, superuser):
    return client_for(superuser)


# Shape and secrets ------------------------------------------------------------


def test_create_returns_the_seed_shape_and_the_secret_once(admin, org):
    response = admin.post("/api/v2/applications/", payload(org), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    pk = body["id"]
    assert list(body) == [
        "id",
        "type",
        "url",
        "related",
        "summary_fields",
        "created",
        "modified",
        "name",
        "description",
        "client_id",
        "client_secret",
        "client_type",
        "redirect_uris",
        "authorization_grant_type",
        "skip_authorization",
        "organization",
        "is_resource_server",
    ]
    assert body["is_resource_server"] is False
    assert body["type"] == "o_auth2_application"
    assert body["url"] == f"/api/v2/applications/{pk}/"
    assert body["related"] == {
        "tokens": f"/api/v2/applications/{pk}/tokens/",
        "organization": f"/api/v2/organizations/{org.pk}/",
        "activity_stream": f"/api/v2/applications/{pk}/activity_stream/",
    }
    assert body["summary_fields"] == {
        "organization": {"id": org.pk, "name": "Default", "description": ""},
        "user_capabilities": {"edit": True, "delete": True},
        "tokens": {"count": 0, "results": []},
    }
    assert body["name"] == "Admin Internal Application"
    assert body["client_type"] == "confidential"
    assert body["authorization_grant_type"] == "password"
    assert body["skip_authorization"] is False
    assert body["organization"] == org.pk

    stored = Application.objects.get(pk=pk)
    assert body["client_id"] == stored.client_id and len(stored.client_id) >= 40
    secret = body["client_secret"]
    assert secret != PLACEHOLDER and len(secret) >= 40
    # Only a hash is stored, and it matches the value handed out.
    assert stored.client_secret != secret
    assert check_password(secret, stored.client_secret)


def test_secret_is_a_placeholder_in_every_later_response(admin, org):
    pk = admin.post("/api/v2/applications/", payload(org), format="json").json()["id"]
    detail = admin.get(f"/api/v2/applications/{pk}/").json()
    assert detail["client_secret"] == PLACEHOLDER
    listed = admin.get("/api/v2/applications/").json()["results"]
    assert [item["client_secret"] for item in listed] == [PLACEHOLDER]
    patched = admin.patch(f"/api/v2/applications/{pk}/", {"description": "x"}, format="json").json()
    assert patched["client_secret"] == PLACEHOLDER
    nested = admin.get(f"/api/v2/organizations/{org.pk}/applications/").json()["results"]
    assert nested[0]["client_secret"] == PLACEHOLDER


def test_public_application_never_shows_a_secret(admin, org):
    response = admin.post("/api/v2/applications/", payload(org, client_type="public"), format="json")
    assert response.status_code == 201
    assert response.json()["client_secret"] is None
    pk = response.json()["id"]
    assert admin.get(f"/api/v2/applications/{pk}/").json()["client_secret"] is None


def test_a_public_application_made_confidential_gets_a_new_secret_shown_once(admin, org):
    pk = admin.post("/api/v2/applications/", payload(org, client_type="public"), format="json").json()["id"]
    response = admin.patch(f"/api/v2/applications/{pk}/", {"client_type": "confidential"}, format="json")
    assert response.status_code == 200
    secret = response.json()["client_secret"]
    assert secret not in (None, PLACEHOLDER) and len(secret) >= 32
    stored = Application.objects.get(pk=pk).client_secret
    assert stored != secret and check_password(secret, stored)
    assert admin.get(f"/api/v2/applications/{pk}/").json()["client_secret"] == PLACEHOLDER
    again = admin.patch(f"/api/v2/applications/{pk}/", {"client_type": "confidential"}, format="json")
    assert again.json()["client_secret"] == PLACEHOLDER
    assert Application.objects.get(pk=pk).client_secret == stored


def test_client_id_and_secret_cannot_be_written(admin, org):
    response = admin.post(
        "/api/v2/applications/", payload(org, client_id="chosen-id", client_secret="chosen-secret"), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["client_id"] != "chosen-id"
    assert body["client_secret"] != "chosen-secret"
    stored = Application.objects.get(pk=body["id"])
    hashed = stored.client_secret
    patch = admin.patch(
        f"/api/v2/applications/{stored.pk}/", {"client_id": "other", "client_secret": "other"}, format="json"
    )
    assert patch.status_code == 200
    stored.refresh_from_db()
    assert stored.client_id == body["client_id"]
    assert stored.client_secret == hashed
    assert check_password(body["client_secret"], stored.client_secret)


def test_put_with_the_body_of_a_get_is_accepted(admin, org):
    pk = admin.post("/api/v2/applications/", payload(org), format="json").json()["id"]
    body = admin.get(f"/api/v2/applications/{pk}/").json()
    body["description"] = "changed"
    response = admin.put(f"/api/v2/applications/{pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "changed"


# Field rules ------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["name", "client_type", "authorization_grant_type", "organization"])
def test_required_fields_on_create(admin, org, missing):
    body = payload(org)
    del body[missing]
    response = admin.post("/api/v2/applications/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {missing: ["This field is required."]}


def test_blank_name_is_refused(admin, org):
    response = admin.post("/api/v2/applications/", payload(org, name=""), format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["This field may not be blank."]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_type", "secret"),
        ("authorization_grant_type", "implicit"),
        ("authorization_grant_type", "client-credentials"),
        ("authorization_grant_type", "Password"),
    ],
)
def test_unknown_choices_are_refused(admin, org, field, value):
    response = admin.post("/api/v2/applications/", payload(org, **{field: value}), format="json")
    assert response.status_code == 400
    assert response.json() == {field: [f'"{value}" is not a valid choice.']}


def test_unknown_organization_is_refused(admin, org):
    response = admin.post("/api/v2/applications/", payload(org, organization=99999), format="json")
    assert response.status_code == 400
    assert response.json() == {"organization": ['Invalid pk "99999" - object does not exist.']}


def test_unknown_field_is_refused(admin, org):
    response = admin.post("/api/v2/applications/", payload(org, colour="blue"), format="json")
    assert response.status_code == 400
    assert response.json() == {"colour": ["Unknown field."]}


def test_authorization_code_needs_redirect_uris(admin, org):
    response = admin.post(
        "/api/v2/applications/", payload(org, authorization_grant_type="authorization-code"), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "redirect_uris": ["At least one redirect URI is required for the authorization-code grant type."]
    }


def test_authorization_code_with_redirect_uris_is_created(admin, org):
    uris = "https://client.example.com/callback  http://localhost:8080/cb?x=1"
    response = admin.post(
        "/api/v2/applications/",
        payload(org, authorization_grant_type="authorization-code", redirect_uris=uris),
        format="json",
    )
    assert response.status_code == 201, response.json()
    # Stored space-separated.
    assert response.json()["redirect_uris"] == "https://client.example.com/callback http://localhost:8080/cb?x=1"


def test_clearing_redirect_uris_of_an_authorization_code_application_is_refused(admin, org):
    app = factories.application(
        org, authorization_grant_type="authorization-code", redirect_uris="https://client.example.com/cb"
    )
    response = admin.patch(f"/api/v2/applications/{app.pk}/", {"redirect_uris": ""}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["redirect_uris"]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("ftp://client.example.com/cb", "'ftp://client.example.com/cb' is not an absolute http or https URL."),
        ("/relative/callback", "'/relative/callback' is not an absolute http or https URL."),
        ("client.example.com/cb", "'client.example.com/cb' is not an absolute http or https URL."),
        ("https:///no-host", "'https:///no-host' is not an absolute http or https URL."),
        ("https://client.example.com/cb#part", "'https://client.example.com/cb#part' must not contain a fragment (#)."),
        ("https://client.example.com/cb#", "'https://client.example.com/cb#' must not contain a fragment (#)."),
    ],
)
def test_bad_redirect_uris_are_refused(admin, org, uri, message):
    response = admin.post(
        "/api/v2/applications/",
        payload(org, authorization_grant_type="authorization-code", redirect_uris=f"https://ok.example.com/cb {uri}"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"redirect_uris": [message]}


def test_name_is_unique_in_the_organization(admin, org, other_org):
    factories.application(org, name="Portal")
    response = admin.post("/api/v2/applications/", payload(org, name="Portal"), format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["An application named 'Portal' already exists in this organization."]}
    # The same name in another organization is fine.
    assert admin.post("/api/v2/applications/", payload(other_org, name="Portal"), format="json").status_code == 201


def test_names_in_an_organization_you_do_not_administer_stay_hidden(client_for, other_org_admin, org):
    factories.application(org, name="Portal")
    client = client_for(other_org_admin)
    taken = client.post("/api/v2/applications/", payload(org, name="Portal"), format="json")
    free = client.post("/api/v2/applications/", payload(org, name="Unused"), format="json")
    # The organization is invisible to them, so it reads as missing, whatever the name.
    assert taken.status_code == free.status_code == 400
    assert taken.json() == free.json()


def test_a_name_taken_by_a_concurrent_write_is_a_400_not_a_500(superuser, org, monkeypatch):
    from django.core.exceptions import ValidationError
    from django.db.models.query import QuerySet

    from applications import services

    factories.application(org, name="Portal")
    loser = factories.application(org, name="Other")
    # A concurrent write lands after the pre-check: simulate it by letting the pre-check see nothing.
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)
    with pytest.raises(ValidationError) as raised:
        services.application_update(actor=superuser, application=loser, data={"name": "Portal"})
    assert raised.value.message_dict == {"name": ["An application named 'Portal' already exists in this organization."]}
    monkeypatch.undo()
    assert Application.objects.get(pk=loser.pk).name == "Other"


def test_an_unparseable_redirect_uri_is_a_400(admin, org):
    response = admin.post("/api/v2/applications/", payload(org, redirect_uris="http://[abc"), format="json")
    assert response.status_code == 400
    assert response.json() == {"redirect_uris": ["'http://[abc' is not a valid URL."]}


def test_renaming_onto_a_taken_name_is_refused(admin, org):
    factories.application(org, name="Portal")
    app = factories.application(org, name="Backend")
    response = admin.patch(f"/api/v2/applications/{app.pk}/", {"name": "Portal"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["An application named 'Portal' already exists in this organization."]}
    # Keeping its own name is no clash.
    assert admin.patch(f"/api/v2/applications/{app.pk}/", {"name": "Backend"}, format="json").status_code == 200


@pytest.mark.parametrize(
    ("field", "new_value"),
    [("organization", "other"), ("authorization_grant_type", "authorization-code")],
)
def test_organization_and_grant_type_are_immutable(admin, org, other_org, field, new_value):
    app = factories.application(org, redirect_uris="https://client.example.com/cb")
    value = other_org.pk if new_value == "other" else new_value
    response = admin.patch(f"/api/v2/applications/{app.pk}/", {field: value}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [f"{field} cannot be changed after creation."]}
    app.refresh_from_db()
    assert app.organization_id == org.pk and app.authorization_grant_type == "password"


def test_sending_the_unchanged_immutable_values_is_fine(admin, org):
    app = factories.application(org)
    response = admin.patch(
        f"/api/v2/applications/{app.pk}/",
        {"organization": org.pk, "authorization_grant_type": "password", "description": "same org"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["description"] == "same org"


def test_changeable_fields_are_saved(admin, org):
    app = factories.application(org)
    response = admin.patch(
        f"/api/v2/applications/{app.pk}/",
        {"name": "Renamed", "client_type": "public", "skip_authorization": True, "redirect_uris": "https://a.example/"},
        format="json",
    )
    assert response.status_code == 200
    app.refresh_from_db()
    assert (app.name, app.client_type, app.skip_authorization, app.redirect_uris) == (
        "Renamed",
        "public",
        True,
        "https://a.example/",
    )


# Nested lists -----------------------------------------------------------------


def test_organization_applications_lists_only_that_organization(admin, org, other_org):
    mine = factories.application(org, name="Mine")
    factories.application(other_org, name="Theirs")
    response = admin.get(f"/api/v2/organizations/{org.pk}/applications/")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [mine.pk]


def test_organization_applications_post_forces_the_organization(client_for, org_admin, org):
    client = client_for(org_admin)
    body = payload(org)
    del body["organization"]
    response = client.post(f"/api/v2/organizations/{org.pk}/applications/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["organization"] == org.pk
    assert response.json()["client_secret"] != PLACEHOLDER
    # Naming the same organization in the body is fine.
    again = client.post(f"/api/v2/organizations/{org.pk}/applications/", payload(org, name="Two"), format="json")
    assert again.status_code == 201


def test_organization_applications_post_refuses_another_organization(admin, org, other_org):
    response = admin.post(
        f"/api/v2/organizations/{org.pk}/applications/", payload(other_org, name="Elsewhere"), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"organization": [f"Applications created here belong to organization {org.pk}."]}


def test_organization_applications_post_checks_the_name_in_that_organization(admin, org):
    factories.application(org, name="Portal")
    body = payload(org, name="Portal")
    del body["organization"]
    response = admin.post(f"/api/v2/organizations/{org.pk}/applications/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["name"]


@pytest.mark.parametrize(
    ("persona_name", "get_status", "post_status"),
    [
        ("org_admin", 200, 201),
        ("org_member", 200, 403),
        ("org_auditor", 200, 403),
        ("system_auditor", 200, 403),
        ("other_org_admin", 404, 404),
        ("plain_user", 404, 404),
    ],
)
def test_organization_applications_access(client_for, persona, org, persona_name, get_status, post_status):
    client = client_for(persona(persona_name))
    assert client.get(f"/api/v2/organizations/{org.pk}/applications/").status_code == get_status
    body = payload(org)
    del body["organization"]
    assert client.post(f"/api/v2/organizations/{org.pk}/applications/", body, format="json").status_code == post_status


def test_user_applications_by_id_and_username(admin, org, other_org, org_member):
    in_org = factories.application(org, name="In org")
    factories.application(other_org, name="Elsewhere")
    for ref in (org_member.pk, org_member.username):
        response = admin.get(f"/api/v2/users/{ref}/applications/")
        assert response.status_code == 200
        assert [item["id"] for item in response.json()["results"]] == [in_org.pk]


def test_user_applications_include_every_role(admin, org, org_admin, org_auditor, plain_user):
    app = factories.application(org)
    for user in (org_admin, org_auditor):
        assert [i["id"] for i in admin.get(f"/api/v2/users/{user.pk}/applications/").json()["results"]] == [app.pk]
    assert admin.get(f"/api/v2/users/{plain_user.pk}/applications/").json()["results"] == []


def test_user_applications_show_only_what_the_requester_sees(client_for, org, other_org, other_org_admin):
    both = factories.user("both", member_of=[org, other_org])
    factories.application(org, name="Hidden from other admin")
    visible = factories.application(other_org, name="Shared")
    response = client_for(other_org_admin).get(f"/api/v2/users/{both.username}/applications/")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [visible.pk]


def test_user_applications_of_an_invisible_user_is_404(client_for, plain_user, org_member):
    assert client_for(plain_user).get(f"/api/v2/users/{org_member.pk}/applications/").status_code == 404
    assert client_for(plain_user).get("/api/v2/users/nobody/applications/").status_code == 404


def test_user_applications_creates_an_application(admin, org_member, org):
    response = admin.post(f"/api/v2/users/{org_member.pk}/applications/", payload(org), format="json")
    assert response.status_code == 201
    assert Application.objects.get(pk=response.json()["id"]).organization == org


def test_applications_are_listed_at_the_v2_root(client_for):
    assert client_for(None).get("/api/v2/").json()["applications"] == "/api/v2/applications/"


# Tokens of an application -------------------------------------------------------


def test_summary_counts_visible_unrevoked_tokens_and_lists_ten(client_for, admin, org, org_admin, org_member):
    app = factories.application(org)
    mine = [factories.application_token(org_member, app, scope="read") for _ in range(2)]
    theirs = [factories.application_token(org_admin, app) for _ in range(11)]
    revoked = factories.application_token(org_member, app)
    revoked.token.revoke(by=org_member)

    summary = admin.get(f"/api/v2/applications/{app.pk}/").json()["summary_fields"]["tokens"]
    assert summary["count"] == 13
    assert len(summary["results"]) == 10
    newest = sorted(mine + theirs, key=lambda issued: (issued.token.created, issued.token.pk), reverse=True)[:10]
    assert [item["id"] for item in summary["results"]] == [issued.token.pk for issued in newest]
    assert all(item["token"] == PLACEHOLDER for item in summary["results"])
    assert revoked.token.pk not in [item["id"] for item in summary["results"]]

    # A member sees only their own tokens of the application.
    member_view = client_for(org_member).get(f"/api/v2/applications/{app.pk}/").json()["summary_fields"]["tokens"]
    assert member_view == {
        "count": 2,
        "results": [
            {"id": issued.token.pk, "token": PLACEHOLDER, "scope": "read"}
            for issued in sorted(mine, key=lambda i: (i.token.created, i.token.pk), reverse=True)
        ],
    }


def test_summary_of_the_list_agrees_with_the_detail(admin, org):
    apps = [factories.application(org, name=f"App {n}") for n in range(3)]
    for count, app in enumerate(apps):
        for _ in range(count):
            factories.application_token(factories.user(f"u{app.pk}-{_}", member_of=[org]), app)
    listed = {
        item["id"]: item["summary_fields"]["tokens"] for item in admin.get("/api/v2/applications/").json()["results"]
    }
    for app in apps:
        assert listed[app.pk] == admin.get(f"/api/v2/applications/{app.pk}/").json()["summary_fields"]["tokens"]
    assert [listed[app.pk]["count"] for app in apps] == [0, 1, 2]


def test_deleting_an_application_deletes_its_tokens(client_for, admin, org, org_member):
    app = factories.application(org)
    issued = factories.application_token(org_member, app)
    bearer = client_for(None)
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.value}")
    assert bearer.get("/api/v2/me/").status_code == 200

    assert admin.delete(f"/api/v2/applications/{app.pk}/").status_code == 204
    assert admin.get(f"/api/v2/applications/{app.pk}/").status_code == 404
    assert not Application.objects.filter(pk=app.pk).exists()
    assert not AccessToken.objects.filter(pk=issued.token.pk).exists()
    assert not RefreshToken.objects.filter(application_id=app.pk).exists()
    response = bearer.get("/api/v2/me/")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
