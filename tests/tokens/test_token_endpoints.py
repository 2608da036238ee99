"""The token endpoints over HTTP: creation paths, the Tower shape, values shown once, edits, revocation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from activity.models import ActivityEntry
from config import runtime
from tests import factories
from tokens.models import AccessToken
from tokensvc import tokenformat

SCOPE_MESSAGE = "Must be a simple space-separated string with allowed scopes ['read', 'write']."
PLACEHOLDER = "************"


@pytest.fixture
def app(org):
    return factories.application(org, name="Tower CLI")


def detail(pk):
    return f"/api/v2/tokens/{pk}/"


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# Creation --------------------------------------------------------------------------


def test_create_application_token_at_top_level_has_the_tower_shape(client_for, org_member, app):
    before = timezone.now()
    response = client_for(org_member).post(
        "/api/v2/tokens/", {"description": "App Token Test", "application": app.pk, "scope": "read"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    token = AccessToken.objects.get(pk=body["id"])
    assert body["type"] == "o_auth2_access_token"
    assert body["url"] == f"/api/v2/tokens/{token.pk}/"
    assert body["related"] == {
        "user": f"/api/v2/users/{org_member.pk}/",
        "application": f"/api/v2/applications/{app.pk}/",
        "activity_stream": f"/api/v2/tokens/{token.pk}/activity_stream/",
    }
    assert body["summary_fields"]["user"] == {
        "id": org_member.pk,
        "username": "org_member",
        "first_name": "",
        "last_name": "",
    }
    assert body["summary_fields"]["application"] == {"id": app.pk, "name": "Tower CLI", "client_id": app.client_id}
    assert body["summary_fields"]["user_capabilities"] == {"edit": True, "delete": True}
    assert body["description"] == "App Token Test"
    assert body["user"] == org_member.pk
    assert body["application"] == app.pk
    assert body["scope"] == "read"
    assert tokenformat.kind(body["token"]) == tokenformat.ACCESS
    assert tokenformat.kind(body["refresh_token"]) == tokenformat.REFRESH
    assert body["token_hint"] == body["token"][-4:]
    assert body["last_used"] is None and body["last_used_ip"] is None
    expires = token.expires
    lifetime = runtime.get("ACCESS_TOKEN_EXPIRE_SECONDS")
    assert before + timedelta(seconds=lifetime) <= expires <= timezone.now() + timedelta(seconds=lifetime)
    assert {"created", "modified", "expires"} <= set(body)


def test_created_value_authenticates_and_is_masked_afterwards(client_for, org_member, app):
    client = client_for(org_member)
    created = client.post("/api/v2/tokens/", {"application": app.pk}, format="json").json()
    bearer = client_for(None)
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {created['token']}")
    assert bearer.get("/api/v2/me/").json()["results"][0]["username"] == "org_member"

    shown = client.get(detail(created["id"])).json()
    assert shown["token"] == PLACEHOLDER and shown["refresh_token"] == PLACEHOLDER
    listed = [row for row in client.get("/api/v2/tokens/").json()["results"] if row["id"] == created["id"]]
    assert listed[0]["token"] == PLACEHOLDER and listed[0]["refresh_token"] == PLACEHOLDER
    assert created["token"] not in client.get("/api/v2/tokens/").content.decode()


def test_scope_defaults_to_write(client_for, org_member, app):
    response = client_for(org_member).post("/api/v2/tokens/", {"application": app.pk}, format="json")
    assert response.json()["scope"] == "write"


def test_expiry_follows_the_runtime_setting(client_for, org_member):
    runtime.update({"ACCESS_TOKEN_EXPIRE_SECONDS": 3600})
    response = client_for(org_member).post("/api/v2/users/org_member/personal_tokens/", {}, format="json")
    token = AccessToken.objects.get(pk=response.json()["id"])
    remaining = (token.expires - timezone.now()).total_seconds()
    assert 3500 < remaining <= 3600


def test_top_level_post_without_application_is_a_personal_token(client_for, org_member):
    response = client_for(org_member).post("/api/v2/tokens/", {"application": None, "scope": "write"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["application"] is None
    assert body["refresh_token"] is None
    assert body["summary_fields"]["application"] is None
    assert "application" not in body["related"]
    assert tokenformat.kind(body["token"]) == tokenformat.PERSONAL


def test_application_tokens_post_links_the_parent(client_for, org_member, app, org):
    other_app = factories.application(org, name="Other app")
    response = client_for(org_member).post(
        f"/api/v2/applications/{app.pk}/tokens/", {"scope": "read", "application": other_app.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["application"] == app.pk
    assert tokenformat.kind(body["refresh_token"]) == tokenformat.REFRESH
    assert AccessToken.objects.get(pk=body["id"]).application_id == app.pk


def test_application_tokens_of_an_invisible_application_is_404(client_for, other_org_admin, app):
    client = client_for(other_org_admin)
    assert client.get(f"/api/v2/applications/{app.pk}/tokens/").status_code == 404
    assert client.post(f"/api/v2/applications/{app.pk}/tokens/", {}, format="json").status_code == 404


def test_personal_tokens_post_as_in_the_seed(client_for, org_member):
    response = client_for(org_member, auth="basic").post(
        f"/api/v2/users/{org_member.pk}/personal_tokens/",
        {"description": "Personal Tower CLI token", "application": None, "scope": "write"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["application"] is None and body["refresh_token"] is None
    assert body["user"] == org_member.pk
    assert tokenformat.kind(body["token"]) == tokenformat.PERSONAL


def test_personal_tokens_accepts_a_username(client_for, org_member):
    response = client_for(org_member).post("/api/v2/users/org_member/personal_tokens/", {}, format="json")
    assert response.status_code == 201


def test_personal_tokens_refuses_an_application(client_for, org_member, app):
    response = client_for(org_member).post(
        "/api/v2/users/org_member/personal_tokens/", {"application": app.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"application": ["A personal access token has no application; send null or omit it."]}


def test_authorized_tokens_requires_an_application(client_for, org_member, app):
    client = client_for(org_member)
    missing = client.post("/api/v2/users/org_member/authorized_tokens/", {}, format="json")
    assert missing.status_code == 400 and "application" in missing.json()
    null = client.post("/api/v2/users/org_member/authorized_tokens/", {"application": None}, format="json")
    assert null.status_code == 400 and "application" in null.json()
    created = client.post("/api/v2/users/org_member/authorized_tokens/", {"application": app.pk}, format="json")
    assert created.status_code == 201
    assert created.json()["application"] == app.pk


def test_users_tokens_post_creates_for_yourself(client_for, org_member, app):
    client = client_for(org_member)
    pat = client.post(f"/api/v2/users/{org_member.pk}/tokens/", {}, format="json")
    assert pat.status_code == 201 and pat.json()["application"] is None
    app_token = client.post(f"/api/v2/users/{org_member.pk}/tokens/", {"application": app.pk}, format="json")
    assert app_token.status_code == 201 and app_token.json()["application"] == app.pk


@pytest.mark.parametrize("endpoint", ["personal_tokens", "tokens", "authorized_tokens"])
@pytest.mark.parametrize("requester", ["superuser", "org_admin"])
def test_creating_a_token_for_another_user_is_403(client_for, persona, org_member, app, endpoint, requester):
    body = {"application": app.pk} if endpoint == "authorized_tokens" else {}
    response = client_for(persona(requester)).post(f"/api/v2/users/{org_member.pk}/{endpoint}/", body, format="json")
    assert response.status_code == 403
    assert "can only be created for yourself" in response.json()["detail"]
    assert not AccessToken.objects.filter(user=persona(requester), description="x").exists()


def test_creating_for_an_invisible_user_is_404(client_for, plain_user, org_member):
    response = client_for(plain_user).post(f"/api/v2/users/{org_member.pk}/personal_tokens/", {}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("requester", ["other_org_admin", "plain_user"])
def test_invisible_application_is_answered_as_missing(client_for, persona, app, requester):
    client = client_for(persona(requester))
    before = AccessToken.objects.count()
    invisible = client.post("/api/v2/tokens/", {"application": app.pk}, format="json")
    missing = client.post("/api/v2/tokens/", {"application": 999999}, format="json")
    assert invisible.status_code == missing.status_code == 400
    assert invisible.json() == {"application": [f'Invalid pk "{app.pk}" - object does not exist.']}
    assert missing.json() == {"application": ['Invalid pk "999999" - object does not exist.']}
    assert AccessToken.objects.count() == before


def test_unknown_field_is_400(client_for, org_member):
    response = client_for(org_member).post("/api/v2/tokens/", {"scopes": "read"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"scopes": ["Unknown field."]}


def test_description_too_long_is_400(client_for, org_member):
    response = client_for(org_member).post("/api/v2/tokens/", {"description": "x" * 513}, format="json")
    assert response.status_code == 400 and "description" in response.json()


# Scope --------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["read", "write", "read write", "write read"])
def test_valid_scopes_are_accepted(client_for, org_member, scope):
    response = client_for(org_member).post("/api/v2/tokens/", {"scope": scope}, format="json")
    assert response.status_code == 201
    assert response.json()["scope"] == scope


@pytest.mark.parametrize(
    "scope",
    ["", " ", "READ", "Read", "read read", "read  write", " read", "read ", "admin", "read,write", None, 5, ["read"]],
    ids=repr,
)
def test_invalid_scopes_are_refused_with_the_seed_message(client_for, org_member, scope):
    client = client_for(org_member)
    response = client.post("/api/v2/tokens/", {"scope": scope}, format="json")
    assert response.status_code == 400
    assert response.json() == {"scope": [SCOPE_MESSAGE]}
    token = factories.personal_token(org_member, scope="read")
    change = client.patch(detail(token.token.pk), {"scope": scope}, format="json")
    assert change.status_code == 400
    assert change.json() == {"scope": [SCOPE_MESSAGE]}


# Editing ------------------------------------------------------------------------


def test_description_and_scope_are_editable(client_for, org_member, app):
    issued = factories.application_token(org_member, app, scope="write", description="old")
    client = client_for(org_member)
    response = client.patch(detail(issued.token.pk), {"description": "new", "scope": "read"}, format="json")
    assert response.status_code == 200
    assert response.json()["description"] == "new" and response.json()["scope"] == "read"
    assert response.json()["token"] == PLACEHOLDER
    entry = ActivityEntry.objects.filter(object_type="o_auth2_access_token", operation="update").get()
    assert entry.changes == {"description": ["old", "new"], "scope": ["write", "read"]}
    assert entry.actor == org_member

    put = client.put(detail(issued.token.pk), {"description": "put"}, format="json")
    assert put.status_code == 200
    assert put.json()["description"] == "put"
    assert put.json()["scope"] == "read"  # a PUT that leaves the scope out keeps it


def test_read_only_fields_are_ignored_on_update(client_for, org_member, app, org, other_org_admin):
    other_app = factories.application(org, name="Second")
    issued = factories.application_token(org_member, app)
    token = issued.token
    expires = token.expires
    response = client_for(org_member).patch(
        detail(token.pk),
        {
            "application": other_app.pk,
            "user": other_org_admin.pk,
            "token": "tsa_chosen",
            "refresh_token": "tsr_chosen",
            "token_hint": "abcd",
            "last_used": "2030-01-01T00:00:00Z",
            "revoked_at": "2030-01-01T00:00:00Z",
            "description": "changed",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    token.refresh_from_db()
    assert token.application_id == app.pk
    assert token.user_id == org_member.pk
    assert token.expires == expires
    assert token.token_hint == issued.value[-4:]
    assert token.last_used is None
    assert token.revoked_at is None
    assert token.description == "changed"
    bearer = client_for(None)
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.value}")
    assert bearer.get("/api/v2/me/").status_code == 200


# Lists --------------------------------------------------------------------------


def test_user_lists_show_that_users_tokens(client_for, org_admin, org_member, app):
    member_app = factories.application_token(org_member, app).token
    member_pat = factories.personal_token(org_member).token
    admin_app = factories.application_token(org_admin, app).token
    client = client_for(org_admin)
    # Not the requester's own tokens, and not the member's PAT, which the admin may not see.
    assert ids(client.get(f"/api/v2/users/{org_member.pk}/tokens/")) == {member_app.pk}
    assert ids(client.get("/api/v2/users/org_member/authorized_tokens/")) == {member_app.pk}
    assert ids(client.get("/api/v2/users/org_member/personal_tokens/")) == set()
    assert admin_app.pk in ids(client.get("/api/v2/users/org_admin/authorized_tokens/"))

    own = client_for(org_member)
    assert ids(own.get("/api/v2/users/org_member/personal_tokens/")) == {member_pat.pk, own.token.pk}
    assert ids(own.get("/api/v2/users/org_member/authorized_tokens/")) == {member_app.pk}


def test_application_tokens_list_only_that_application(client_for, superuser, org_member, app, org):
    mine = factories.application_token(org_member, app).token
    factories.application_token(org_member, factories.application(org, name="Else"))
    factories.personal_token(org_member)
    assert ids(client_for(superuser).get(f"/api/v2/applications/{app.pk}/tokens/")) == {mine.pk}


def test_lists_filter_search_and_order(client_for, org_member):
    client = client_for(org_member)
    first = factories.personal_token(org_member, description="deploy bot").token
    second = factories.personal_token(org_member, description="laptop").token
    assert ids(client.get("/api/v2/tokens/?search=deploy")) == {first.pk}
    assert ids(client.get("/api/v2/tokens/?description=laptop")) == {second.pk}
    rows = client.get("/api/v2/tokens/?order_by=description&description__in=deploy bot,laptop").json()["results"]
    assert [row["id"] for row in rows] == [first.pk, second.pk]


def test_filtering_on_the_secret_is_refused(client_for, org_member):
    client = client_for(org_member)
    response = client.get(f"/api/v2/tokens/?token__startswith={client.token_value[:6]}")
    assert response.status_code == 403
    assert client.token_value not in response.content.decode()


def test_api_root_lists_tokens(client_for):
    assert client_for(None).get("/api/v2/").json()["tokens"] == "/api/v2/tokens/"


# Revocation ------------------------------------------------------------------------


def test_delete_revokes_and_hides_the_token_everywhere(client_for, org_member, app):
    issued = factories.application_token(org_member, app)
    pk = issued.token.pk
    client = client_for(org_member, auth="basic")
    response = client.delete(detail(pk))
    assert response.status_code == 204
    assert client.get(detail(pk)).status_code == 404
    assert client.patch(detail(pk), {"description": "x"}, format="json").status_code == 404
    assert client.delete(detail(pk)).status_code == 404
    for url in (
        "/api/v2/tokens/",
        f"/api/v2/users/{org_member.pk}/tokens/",
        "/api/v2/users/org_member/authorized_tokens/",
        f"/api/v2/applications/{app.pk}/tokens/",
    ):
        assert pk not in ids(client.get(url)), url
    bearer = client_for(None)
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.value}")
    assert bearer.get("/api/v2/me/").status_code == 401
    row = AccessToken.objects.get(pk=pk)
    assert row.revoked_at is not None and row.revoked_by == org_member


def test_expired_token_is_401_and_still_readable_by_its_owner(client_for, org_member):
    issued = factories.personal_token(org_member, expires=timezone.now() - timedelta(seconds=1))
    bearer = client_for(None)
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.value}")
    response = bearer.get("/api/v2/tokens/")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert client_for(org_member).get(detail(issued.token.pk)).status_code == 200


def test_deleting_the_application_deletes_its_tokens(client_for, org_admin, org_member, app):
    issued = factories.application_token(org_member, app)
    bearer = client_for(None)
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.value}")
    assert bearer.get("/api/v2/me/").status_code == 200
    assert client_for(org_admin).delete(f"/api/v2/applications/{app.pk}/").status_code == 204
    assert bearer.get("/api/v2/me/").status_code == 401
    assert not AccessToken.objects.filter(pk=issued.token.pk).exists()


# External users -------------------------------------------------------------------


@pytest.fixture
def external_user(org):
    return factories.user("ldap_user", member_of=[org], external_account="ldap")


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v2/tokens/", {}),
        ("/api/v2/tokens/", {"application": "APP"}),
        ("/api/v2/applications/APP/tokens/", {}),
        ("/api/v2/users/ldap_user/tokens/", {}),
        ("/api/v2/users/ldap_user/personal_tokens/", {}),
        ("/api/v2/users/ldap_user/authorized_tokens/", {"application": "APP"}),
    ],
)
def test_external_users_cannot_create_tokens(sso_browser, external_user, app, path, body):
    path = path.replace("APP", str(app.pk))
    body = {key: app.pk if value == "APP" else value for key, value in body.items()}
    # Signed in through its provider: an external account has no password for HTTP Basic.
    client = sso_browser(external_user, client_class=APIClient)
    response = client.post(path, body, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "OAuth2 Tokens cannot be created by users associated with an external authentication provider (ldap)"
    )
    runtime.update({"ALLOW_OAUTH2_FOR_EXTERNAL_USERS": True})
    assert client.post(path, body, format="json").status_code == 201


# Secrets ------------------------------------------------------------------------


def test_values_never_reach_activity_records_or_logs(client_for, org_member, app, caplog):
    caplog.set_level("DEBUG")
    client = client_for(org_member)
    created = client.post("/api/v2/tokens/", {"application": app.pk, "description": "d"}, format="json").json()
    client.patch(detail(created["id"]), {"scope": "read"}, format="json")
    client.delete(detail(created["id"]))
    secrets = (created["token"], created["refresh_token"])
    dumped = repr(list(ActivityEntry.objects.values()))
    operations = set(ActivityEntry.objects.filter(object_id=created["id"]).values_list("operation", flat=True))
    assert operations == {"create", "update", "delete"}
    for secret in secrets:
        assert secret not in dumped
        assert secret not in caplog.text
        assert secret not in repr(AccessToken.objects.get(pk=created["id"]))
