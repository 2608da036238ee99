"""Bearer authentication and the scope mask, on the token endpoints."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from tests import factories
from tokens.models import AccessToken
from tokensvc import tokenformat

READ_MESSAGE = "This action requires the 'write' scope; this token has 'read'."


def bearer(value):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def assert_invalid_token(response):
    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge


@pytest.fixture
def revoked_value(org_member):
    issued = factories.personal_token(org_member)
    issued.token.revoke(by=org_member)
    return issued.value


@pytest.fixture
def expired_value(org_member):
    return factories.personal_token(org_member, expires=timezone.now() - timedelta(minutes=1)).value


def bad_checksum():
    value = tokenformat.generate(tokenformat.PERSONAL)
    last = "A" if value[-1] != "A" else "B"
    return value[:-1] + last


@pytest.mark.parametrize(
    "kind",
    ["unknown", "expired", "revoked", "bad_checksum", "unknown_prefix", "garbage"],
)
@pytest.mark.parametrize("path", ["/api/v2/tokens/", "/api/v2/users/", "/api/v2/me/", "/api/v2/applications/"])
def test_unusable_bearer_tokens_are_401_invalid_token(db, org_member, revoked_value, expired_value, kind, path):
    value = {
        "unknown": tokenformat.generate(tokenformat.PERSONAL),
        "expired": expired_value,
        "revoked": revoked_value,
        "bad_checksum": bad_checksum(),
        "unknown_prefix": "ghp_" + tokenformat.generate(tokenformat.PERSONAL)[4:],
        "garbage": "not-a-token",
    }[kind]
    assert_invalid_token(bearer(value).get(path))


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "bearer  "])
def test_malformed_authorization_header_is_401(db, header):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v2/tokens/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")


def test_token_in_the_query_string_is_not_accepted(client_for, org_member):
    value = factories.personal_token(org_member).value
    response = client_for(None).get(f"/api/v2/tokens/?access_token={value}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")
    assert value not in response.content.decode()
    assert client_for(None).get(f"/api/v2/me/?access_token={value}").status_code == 401


def test_inactive_users_token_is_401(client_for, org_member):
    client = client_for(org_member)
    org_member.is_active = False
    org_member.save()
    assert_invalid_token(client.get("/api/v2/tokens/"))


def test_application_token_authenticates_every_v2_endpoint(client_for, org_member, org):
    issued = factories.application_token(org_member, factories.application(org))
    client = bearer(issued.value)
    for path in ("/api/v2/", "/api/v2/me/", "/api/v2/users/", "/api/v2/tokens/", "/api/v2/applications/"):
        assert client.get(path).status_code == 200, path


# The mask ----------------------------------------------------------------------


@pytest.fixture
def app(org):
    return factories.application(org)


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/api/v2/tokens/", {}),
        ("post", "/api/v2/users/org_member/personal_tokens/", {}),
        ("post", "/api/v2/users/org_member/tokens/", {}),
        ("post", "/api/v2/users/org_member/authorized_tokens/", {"application": "APP"}),
        ("post", "/api/v2/applications/APP/tokens/", {}),
        ("patch", "/api/v2/tokens/TOKEN/", {"description": "x"}),
        ("put", "/api/v2/tokens/TOKEN/", {"description": "x"}),
        ("delete", "/api/v2/tokens/TOKEN/", None),
    ],
)
def test_read_token_cannot_write_any_token_endpoint(client_for, org_member, app, method, path, body):
    target = factories.application_token(org_member, app).token
    path = path.replace("APP", str(app.pk)).replace("TOKEN", str(target.pk))
    if body:
        body = {key: app.pk if value == "APP" else value for key, value in body.items()}
    client = client_for(org_member, scope="read")
    before = AccessToken.objects.filter(revoked_at__isnull=True).count()
    response = getattr(client, method)(path, body, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": READ_MESSAGE}
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert AccessToken.objects.filter(revoked_at__isnull=True).count() == before
    target.refresh_from_db()
    assert target.description == "" and target.revoked_at is None


def test_read_token_may_read_and_every_capability_is_false(client_for, superuser, org_member, app):
    factories.application_token(org_member, app)
    factories.personal_token(org_member)
    client = client_for(superuser, scope="read")
    response = client.get("/api/v2/tokens/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 3
    assert all(row["summary_fields"]["user_capabilities"] == {"edit": False, "delete": False} for row in rows)
    pk = rows[0]["id"]
    assert client.get(f"/api/v2/tokens/{pk}/").status_code == 200
    assert client.head(f"/api/v2/tokens/{pk}/").status_code == 200
    assert client.options("/api/v2/tokens/").status_code == 200
    assert client_for(superuser).get("/api/v2/tokens/").json()["results"][0]["summary_fields"]["user_capabilities"] == {
        "edit": True,
        "delete": True,
    }


@pytest.mark.parametrize("scope", ["write", "read write", "write read"])
def test_write_implies_read(client_for, org_member, scope):
    client = client_for(org_member, scope=scope)
    assert client.get("/api/v2/tokens/").status_code == 200
    assert client.post("/api/v2/tokens/", {"scope": "read"}, format="json").status_code == 201


@pytest.mark.parametrize("auth", ["basic", "session"])
def test_basic_and_session_are_not_masked(client_for, org_member, auth):
    client = client_for(org_member, auth=auth)
    created = client.post("/api/v2/tokens/", {"scope": "read"}, format="json")
    assert created.status_code == 201
    assert created.json()["summary_fields"]["user_capabilities"] == {"edit": True, "delete": True}
    pk = created.json()["id"]
    assert client.patch(f"/api/v2/tokens/{pk}/", {"description": "x"}, format="json").status_code == 200
    assert client.delete(f"/api/v2/tokens/{pk}/").status_code == 204


def test_a_token_may_delete_itself(client_for, org_member):
    client = client_for(org_member)
    assert client.delete(f"/api/v2/tokens/{client.token.pk}/").status_code == 204
    assert_invalid_token(client.get("/api/v2/tokens/"))


# Usage -------------------------------------------------------------------------


def test_last_used_is_exposed_and_written_at_most_once_per_interval(client_for, org_member):
    client = client_for(org_member)
    pk = client.token.pk
    first = client.get(f"/api/v2/tokens/{pk}/").json()
    assert first["last_used"] is not None
    assert first["last_used_ip"] == "127.0.0.1"
    modified = first["modified"]
    second = client.get(f"/api/v2/tokens/{pk}/").json()
    assert second["last_used"] == first["last_used"]
    assert second["modified"] == modified
    with override_settings(TOKEN_LAST_USED_INTERVAL_SECONDS=0):
        third = client.get(f"/api/v2/tokens/{pk}/").json()
    assert third["last_used"] > first["last_used"]
    assert third["modified"] == modified


def test_last_used_is_read_only(client_for, org_member):
    client = client_for(org_member, auth="basic")
    pk = factories.personal_token(org_member).token.pk
    response = client.patch(
        f"/api/v2/tokens/{pk}/", {"last_used": "2030-01-01T00:00:00Z", "last_used_ip": "10.0.0.1"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["last_used"] is None and response.json()["last_used_ip"] is None
