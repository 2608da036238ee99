"""Passwords and external accounts, tried through every route and credential."""

import pytest
from django.test import Client

from tests import factories
from users.models import User

HEADER = "HTTP_X_REMOTE_USER"
NEW = "Another-Horse-77"


@pytest.fixture
def sso(db, settings):
    settings.SSO_REMOTE_USER_ENABLED = True
    settings.SSO_REMOTE_USER_HEADER = "X-Remote-User"
    settings.SSO_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SSO_TRUST_ALL_PEERS = False
    return settings


def test_a_header_session_ends_when_single_sign_on_is_turned_off(sso):
    """A session opened by the SSO header keeps authenticating after SSO_REMOTE_USER_ENABLED is switched off.

    GET /api/v2/me/ with the header opens a session (ExternalHeaderBackend); with SSO on,
    the same session without the header is logged out (force_logout_if_no_header). Once SSO
    is off, users/sso.py returns before that check, so the header-made session goes on
    working, with no way in for the account otherwise: turning the proxy login off must end
    the logins it made.
    """
    browser = Client()
    assert browser.get("/api/v2/me/", **{HEADER: "eve"}).status_code == 200
    assert browser.get("/api/v2/me/").status_code in (401, 403)  # held while SSO is on
    assert browser.get("/api/v2/me/", **{HEADER: "eve"}).status_code == 200

    sso.SSO_REMOTE_USER_ENABLED = False

    assert browser.get("/api/v2/me/", HTTP_ACCEPT="application/json").status_code in (401, 403)


# What held.


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("route", ["pk", "username"])
@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_a_token_never_changes_its_owners_password(org_member, client_for, method, route, fmt):
    client = client_for(org_member)
    ref = org_member.pk if route == "pk" else org_member.username
    body = {"username": org_member.username, "password": NEW, "current_password": factories.PASSWORD}
    response = getattr(client, method)(f"/api/v2/users/{ref}/", body, format=fmt)
    assert response.status_code == 403
    org_member.refresh_from_db()
    assert org_member.check_password(factories.PASSWORD)


def test_a_wrong_current_password_changes_nothing_else(org_member, client_for):
    client = client_for(org_member, auth="session")
    response = client.patch(
        f"/api/v2/users/{org_member.pk}/",
        {"email": "x@example.com", "password": NEW, "current_password": "wrong"},
        format="json",
    )
    assert response.status_code == 400
    org_member.refresh_from_db()
    assert org_member.email != "x@example.com"
    assert org_member.check_password(factories.PASSWORD)


def test_a_header_session_gives_no_local_password(sso):
    browser = Client()
    assert browser.get("/api/v2/me/", **{HEADER: "eve"}).status_code == 200
    eve = User.objects.get(username="eve")
    response = browser.patch(
        f"/api/v2/users/{eve.pk}/",
        {"password": NEW, "current_password": ""},
        content_type="application/json",
        **{HEADER: "eve"},
    )
    assert response.status_code in (400, 403)
    eve.refresh_from_db()
    assert not eve.has_usable_password()


def test_a_superuser_gives_no_local_password_to_an_external_account(db, superuser, client_for):
    eve = factories.user("eve", external_account="sso")
    response = client_for(superuser).patch(f"/api/v2/users/{eve.pk}/", {"password": NEW}, format="json")
    assert response.status_code == 400
    basic = Client().get("/api/v2/me/", HTTP_AUTHORIZATION="Basic ZXZlOkNvcnJlY3QtSG9yc2UtNDI=")  # eve:Correct-Horse-42
    assert basic.status_code == 401


def test_a_password_change_ends_other_sessions(org_member, client_for):
    mine, other = client_for(org_member, auth="session"), client_for(org_member, auth="session")
    response = mine.patch(
        f"/api/v2/users/{org_member.pk}/", {"password": NEW, "current_password": factories.PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert mine.get("/api/v2/me/").status_code == 200
    assert other.get("/api/v2/me/").status_code in (401, 403)
