"""RFC 7009 revocation and RFC 7662 introspection at /api/o/."""

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.support.oauth import app_with_secret, basic, bearer, password_grant, post_form, refresh_grant
from tokens.models import AccessToken, RefreshToken
from tokens.services import token_revoke


def _authenticates(value) -> bool:
    return Client().get("/api/v2/me/", **bearer(value)).status_code == 200


@pytest.mark.parametrize("path", ["/api/o/revoke_token/", "/api/o/revoke-token/"])
def test_revoked_access_token_stops_authenticating_immediately(org, org_member, path):
    app, secret = app_with_secret(org)
    issued = password_grant(app, secret, org_member).json()
    assert _authenticates(issued["access_token"])
    response = post_form(path, {"token": issued["access_token"]}, basic(app.client_id, secret))
    assert response.status_code == 200
    assert not _authenticates(issued["access_token"])
    row = AccessToken.objects.get(user=org_member)
    assert row.revoked_at is not None
    # Its refresh token goes with it.
    assert refresh_grant(app, secret, issued["refresh_token"]).status_code == 400


def test_revoking_a_refresh_token_revokes_its_access_token(org, org_member):
    app, secret = app_with_secret(org)
    issued = password_grant(app, secret, org_member).json()
    response = post_form(
        "/api/o/revoke_token/",
        {"token": issued["refresh_token"], "token_type_hint": "refresh_token"},
        basic(app.client_id, secret),
    )
    assert response.status_code == 200
    assert not _authenticates(issued["access_token"])
    assert RefreshToken.objects.get(user=org_member).revoked is not None


def test_unknown_and_already_revoked_tokens_are_200(org, org_member):
    app, secret = app_with_secret(org)
    issued = password_grant(app, secret, org_member).json()
    for value in ("tsa_unknown", issued["access_token"], issued["access_token"]):
        response = post_form("/api/o/revoke_token/", {"token": value}, basic(app.client_id, secret))
        assert response.status_code == 200


def test_a_client_cannot_revoke_another_clients_token(org, org_member):
    app, secret = app_with_secret(org)
    other, other_secret = app_with_secret(org, name="Other")
    issued = password_grant(app, secret, org_member).json()
    response = post_form(
        "/api/o/revoke_token/", {"token": issued["access_token"]}, basic(other.client_id, other_secret)
    )
    assert response.status_code == 200
    assert _authenticates(issued["access_token"])


def test_revocation_requires_the_client_secret_of_a_confidential_client(org, org_member):
    app, secret = app_with_secret(org)
    issued = password_grant(app, secret, org_member).json()
    wrong = post_form("/api/o/revoke_token/", {"token": issued["access_token"]}, basic(app.client_id, "wrong"))
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    missing = post_form("/api/o/revoke_token/", {"token": issued["access_token"], "client_id": app.client_id})
    assert missing.status_code == 401
    assert _authenticates(issued["access_token"])


def test_revocation_without_token_is_invalid_request(org):
    app, secret = app_with_secret(org)
    response = post_form("/api/o/revoke_token/", {}, basic(app.client_id, secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


# Introspection -----------------------------------------------------------------


@pytest.fixture
def resource_server(org):
    return app_with_secret(org, name="Resource server", is_resource_server=True)


def _introspect(value, headers):
    return post_form("/api/o/introspect/", {"token": value}, headers)


def test_introspection_of_a_live_token(org, org_member, resource_server):
    rs, rs_secret = resource_server
    app, secret = app_with_secret(org)
    issued = password_grant(app, secret, org_member, scope="read").json()
    response = _introspect(issued["access_token"], basic(rs.client_id, rs_secret))
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True
    assert body["scope"] == "read"
    assert body["client_id"] == app.client_id
    assert body["username"] == org_member.username
    assert body["exp"] > timezone.now().timestamp()
    assert issued["access_token"] not in response.content.decode()


def test_introspection_of_a_personal_access_token(org_member, resource_server):
    rs, rs_secret = resource_server
    issued = factories.personal_token(org_member, scope="write")
    body = _introspect(issued.value, basic(rs.client_id, rs_secret)).json()
    assert body["active"] is True and body["scope"] == "write" and "client_id" not in body


def test_introspection_inactive_for_unknown_expired_and_revoked(org, org_member, resource_server):
    rs, rs_secret = resource_server
    headers = basic(rs.client_id, rs_secret)
    assert _introspect("tsa_unknown", headers).json() == {"active": False}

    expired = factories.personal_token(org_member, expires=timezone.now() - timezone.timedelta(seconds=1))
    assert _introspect(expired.value, headers).json() == {"active": False}

    revoked = factories.personal_token(org_member)
    token_revoke(actor=org_member, token=revoked.token)
    assert AccessToken.objects.filter(pk=revoked.token.pk).exists()  # a tombstone, still a row
    assert _introspect(revoked.value, headers).json() == {"active": False}


def test_introspection_of_refresh_tokens(org, org_member, resource_server):
    rs, rs_secret = resource_server
    app, secret = app_with_secret(org)
    issued = password_grant(app, secret, org_member).json()
    body = _introspect(issued["refresh_token"], basic(rs.client_id, rs_secret)).json()
    assert body["active"] is True and body["token_type"] == "refresh_token"
    refresh_grant(app, secret, issued["refresh_token"])
    assert _introspect(issued["refresh_token"], basic(rs.client_id, rs_secret)).json() == {"active": False}


@pytest.mark.parametrize(
    "case",
    ["anonymous", "wrong secret", "public client", "unknown client", "bearer token", "garbage basic"],
)
def test_introspection_needs_confidential_client_credentials(org, org_member, resource_server, case):
    rs, rs_secret = resource_server
    public, _ = app_with_secret(org, name="Public", client_type="public")
    pat = factories.personal_token(org_member)
    headers = {
        "anonymous": {},
        "wrong secret": basic(rs.client_id, "wrong"),
        "public client": basic(public.client_id, ""),
        "unknown client": basic("nobody", "x"),
        "bearer token": bearer(pat.value),
        "garbage basic": {"HTTP_AUTHORIZATION": "Basic %%%"},
    }[case]
    response = _introspect(pat.value, headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic")


def test_introspection_accepts_credentials_in_the_form(org_member, resource_server):
    rs, rs_secret = resource_server
    pat = factories.personal_token(org_member)
    response = post_form(
        "/api/o/introspect/", {"token": pat.value, "client_id": rs.client_id, "client_secret": rs_secret}
    )
    assert response.json()["active"] is True


def test_introspection_without_token_is_invalid_request(resource_server):
    rs, rs_secret = resource_server
    response = post_form("/api/o/introspect/", {}, basic(rs.client_id, rs_secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("path", ["/api/o/token/", "/api/o/revoke_token/", "/api/o/introspect/"])
def test_error_reports_never_show_secret_form_fields(path, rf, db):
    """A crash report (DEBUG page, admin email) filters the secret fields of every endpoint."""
    from django.urls import resolve
    from django.views.debug import SafeExceptionReporterFilter

    secrets = {"token": "tsa_x", "client_secret": "s", "password": "p", "refresh_token": "r", "code": "c"}
    request = rf.post(path, {**secrets, "grant_type": "password"})
    response = resolve(path).func(request)
    assert response.status_code in (400, 401)
    cleansed = SafeExceptionReporterFilter().get_post_parameters(request)
    for name, value in secrets.items():
        assert cleansed[name] != value, name
    assert cleansed["grant_type"] == "password"
