"""Changing passwords: interactive sign-in and the current password for one's own, audited resets, sessions."""

import base64
import re

import pytest
from django.test import Client
from django.urls import resolve
from django.views.debug import SafeExceptionReporterFilter
from rest_framework.test import APIClient

from activity.models import ActivityEntry
from config import runtime
from tests import factories

NEW = "Brand-New-Pass-9"
RULE = "Changing your own password needs an interactive sign-in"


def _basic(username, password) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{username}:{password}".encode()).decode())
    return client


def _login(username, password) -> Client:
    """A browser that signed in through the login form, as a person does."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/api/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post("/api/login/", {"username": username, "password": password, "csrfmiddlewaretoken": token})
    assert response.status_code == 302, "login failed"
    return browser


def _me(browser):
    return browser.get("/api/v2/me/", HTTP_ACCEPT="application/json").status_code


def _patch(browser, user, body):
    return browser.patch(
        f"/api/v2/users/{user.pk}/",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )


def _tokens(user, org):
    """One of each kind of token a user may hold, by how it was obtained."""
    app = factories.application(org, name="Portal")
    return {
        "personal": factories.personal_token(user).value,
        "password-grant": factories.application_token(user, app, issued_via="password").value,
        "authorization-code": factories.application_token(user, app, issued_via="authorization_code").value,
        "api": factories.application_token(user, app, issued_via="api").value,
    }


# A token never changes its owner's password ------------------------------------


@pytest.mark.parametrize("interactive_setting", [True, False], ids=["setting-on", "setting-off"])
@pytest.mark.parametrize("kind", ["personal", "password-grant", "authorization-code", "api"])
@pytest.mark.parametrize("who", ["org_member", "superuser"])
def test_no_token_changes_its_owners_password(request, org, who, kind, interactive_setting):
    user = request.getfixturevalue(who)
    runtime.update({"TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": interactive_setting})
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {_tokens(user, org)[kind]}")

    response = client.patch(
        f"/api/v2/users/{user.pk}/", {"password": NEW, "current_password": factories.PASSWORD}, format="json"
    )

    assert response.status_code == 403, response.content
    assert RULE in response.json()["detail"]
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)
    assert not ActivityEntry.objects.filter(object_type="user", operation="update").exists()


def test_a_stolen_token_cannot_take_over_the_account(client_for, plain_user):
    """The attack: a PAT that may not mint tokens sets a new password, then Basic auth mints them."""
    runtime.update({"TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": True})
    stolen = client_for(plain_user)
    assert stolen.post("/api/v2/tokens/", {}, format="json").status_code == 403

    assert stolen.patch(f"/api/v2/users/{plain_user.pk}/", {"password": NEW}, format="json").status_code == 403

    assert _basic("plain", NEW).post("/api/v2/tokens/", {}, format="json").status_code == 401
    assert _basic("plain", factories.PASSWORD).get("/api/v2/me/").status_code == 200


def test_a_token_gets_403_before_its_guess_at_the_current_password_is_checked(client_for, plain_user):
    # Otherwise a stolen token could test guesses of the password: 400 for wrong, 403 for right.
    client = client_for(plain_user)
    url = f"/api/v2/users/{plain_user.pk}/"
    wrong = client.patch(url, {"password": NEW, "current_password": "a-guess"}, format="json")
    right = client.patch(url, {"password": NEW, "current_password": factories.PASSWORD}, format="json")
    assert wrong.status_code == right.status_code == 403
    assert wrong.json() == right.json()


def test_a_token_still_changes_its_owners_names_and_email(client_for, plain_user):
    response = client_for(plain_user).patch(
        f"/api/v2/users/{plain_user.pk}/", {"first_name": "Ada", "email": "ada@example.com"}, format="json"
    )
    assert response.status_code == 200


# The current password ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"password": NEW}, "Your current password is required to change your password."),
        ({"password": NEW, "current_password": ""}, "Your current password is required to change your password."),
        ({"password": NEW, "current_password": "Not-The-Password-1"}, "Your current password is not correct."),
        ({"password": NEW, "current_password": factories.PASSWORD + " "}, "Your current password is not correct."),
    ],
    ids=["missing", "blank", "wrong", "trailing-space"],
)
@pytest.mark.parametrize("who", ["org_member", "superuser"])
def test_changing_your_own_password_needs_the_current_one(request, who, body, message):
    user = request.getfixturevalue(who)

    response = _basic(user.username, factories.PASSWORD).patch(f"/api/v2/users/{user.pk}/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"current_password": [message]}
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)


def test_with_the_current_password_basic_auth_changes_it(plain_user):
    response = _basic("plain", factories.PASSWORD).patch(
        f"/api/v2/users/{plain_user.pk}/", {"password": NEW, "current_password": factories.PASSWORD}, format="json"
    )

    assert response.status_code == 200, response.content
    assert "password" not in response.json() and "current_password" not in response.json()
    assert _basic("plain", NEW).get("/api/v2/me/").status_code == 200
    assert _basic("plain", factories.PASSWORD).get("/api/v2/me/").status_code == 401


def test_current_password_alone_changes_nothing(plain_user):
    response = _basic("plain", factories.PASSWORD).patch(
        f"/api/v2/users/{plain_user.pk}/", {"current_password": "anything"}, format="json"
    )
    assert response.status_code == 200
    plain_user.refresh_from_db()
    assert plain_user.check_password(factories.PASSWORD)
    assert not ActivityEntry.objects.filter(object_type="user", operation="update").exists()


def test_a_password_is_kept_exactly_as_typed(plain_user):
    spaced = " Spaced-Out-Pass-9 "
    response = _basic("plain", factories.PASSWORD).patch(
        f"/api/v2/users/{plain_user.pk}/", {"password": spaced, "current_password": factories.PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert _basic("plain", spaced).get("/api/v2/me/").status_code == 200


# A system administrator resets other users' passwords, audited ----------------------


@pytest.mark.parametrize("auth", ["bearer", "basic", "session"])
def test_a_superuser_resets_another_users_password_without_theirs_and_it_is_recorded(
    client_for, superuser, plain_user, auth
):
    response = client_for(superuser, auth=auth).patch(
        f"/api/v2/users/{plain_user.pk}/", {"password": NEW}, format="json"
    )

    assert response.status_code == 200, response.content
    assert _basic("plain", NEW).get("/api/v2/me/").status_code == 200
    entry = ActivityEntry.objects.get(object_type="user", operation="update", object_id=plain_user.pk)
    assert entry.actor_id == superuser.pk
    assert entry.subject_user_id == plain_user.pk
    assert entry.changes == {"password": "hidden", "password_reset": "root reset the password of plain"}


@pytest.mark.parametrize("who", ["org_admin", "system_auditor"])
def test_nobody_else_resets_another_users_password(client_for, request, org_member, who):
    client = client_for(request.getfixturevalue(who), auth="basic")

    response = client.patch(f"/api/v2/users/{org_member.pk}/", {"password": NEW}, format="json")

    assert response.status_code == 403
    org_member.refresh_from_db()
    assert org_member.check_password(factories.PASSWORD)


# Secrets stay out of records, logs and error reports ---------------------------------


def test_passwords_never_reach_the_activity_stream_or_logs(client_for, superuser, plain_user, caplog):
    caplog.set_level("DEBUG")
    own = _basic("plain", factories.PASSWORD)
    url = f"/api/v2/users/{plain_user.pk}/"
    assert own.patch(url, {"password": "Wrong-Try-Pass-8", "current_password": "Guessed-Wrong-7"}, format="json")
    assert own.patch(url, {"password": NEW, "current_password": factories.PASSWORD}, format="json").status_code == 200
    assert client_for(superuser).patch(url, {"password": "Reset-By-Root-6"}, format="json").status_code == 200

    entries = ActivityEntry.objects.filter(object_type="user", operation="update")
    assert entries.count() == 2
    stored = repr(list(entries.values()))
    listed = client_for(superuser).get("/api/v2/activity_stream/").content.decode()
    for secret in (factories.PASSWORD, NEW, "Reset-By-Root-6", "Wrong-Try-Pass-8", "Guessed-Wrong-7"):
        assert secret not in stored
        assert secret not in listed
        assert secret not in caplog.text
    assert all("current_password" not in entry.changes for entry in entries)


@pytest.mark.parametrize("path", ["/api/v2/users/", "/api/v2/users/1/"])
def test_error_reports_never_show_passwords_sent_as_a_form(rf, db, path):
    secrets = {"password": "New-Secret-1", "current_password": "Old-Secret-2"}
    request = rf.post(path, {**secrets, "username": "someone"})
    resolve(path).func(request)

    cleansed = SafeExceptionReporterFilter().get_post_parameters(request)
    for name, value in secrets.items():
        assert cleansed[name] != value, name
    assert cleansed["username"] == "someone"


def test_options_shows_current_password_where_it_can_be_used(client_for, plain_user, superuser):
    own = _basic("plain", factories.PASSWORD).options(f"/api/v2/users/{plain_user.pk}/").json()["actions"]
    assert "current_password" not in own["GET"]
    field = own["PUT"]["current_password"]
    assert field["required"] is False
    assert field["type"] == "string"
    assert "current password" in field["help_text"]
    created = client_for(superuser).options("/api/v2/users/").json()["actions"]
    assert "current_password" not in created["POST"]
    refused = client_for(superuser).post(
        "/api/v2/users/", {"username": "x1", "password": factories.PASSWORD, "current_password": "y"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json() == {"current_password": ["Unknown field."]}


# A new password ends the user's other sessions -----------------------------------


def test_changing_your_password_in_one_session_ends_your_other_sessions(plain_user):
    laptop = _login("plain", factories.PASSWORD)
    phone = _login("plain", factories.PASSWORD)
    assert _me(laptop) == _me(phone) == 200

    response = _patch(laptop, plain_user, {"password": NEW, "current_password": factories.PASSWORD})

    assert response.status_code == 200, response.content
    assert _me(laptop) == 200
    assert _me(phone) == 401
    assert _me(_login("plain", NEW)) == 200


def test_changing_your_password_over_basic_auth_ends_all_your_sessions(plain_user):
    laptop = _login("plain", factories.PASSWORD)
    phone = _login("plain", factories.PASSWORD)

    response = _basic("plain", factories.PASSWORD).patch(
        f"/api/v2/users/{plain_user.pk}/", {"password": NEW, "current_password": factories.PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert _me(laptop) == _me(phone) == 401


def test_a_reset_by_a_superuser_ends_the_users_sessions_but_not_the_superusers(client_for, superuser, plain_user):
    laptop = _login("plain", factories.PASSWORD)
    phone = _login("plain", factories.PASSWORD)
    console = _login("root", factories.PASSWORD)

    response = _patch(console, plain_user, {"password": NEW})

    assert response.status_code == 200, response.content
    assert _me(laptop) == _me(phone) == 401
    assert _me(console) == 200


def test_other_changes_keep_every_session(plain_user):
    laptop = _login("plain", factories.PASSWORD)
    phone = _login("plain", factories.PASSWORD)

    assert _patch(laptop, plain_user, {"first_name": "Ada"}).status_code == 200

    assert _me(laptop) == _me(phone) == 200


@pytest.mark.parametrize("field", ["password", "current_password"])
@pytest.mark.parametrize("value", ["nul\x00byte-Pass-1", "x" * 129], ids=["nul", "too-long"])
def test_hostile_password_values_are_a_400_naming_the_field(plain_user, field, value):
    body = {"password": NEW, "current_password": factories.PASSWORD, field: value}

    response = _basic("plain", factories.PASSWORD).patch(f"/api/v2/users/{plain_user.pk}/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
