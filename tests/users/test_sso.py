"""Login through a trusted single-sign-on proxy header: off by default, external accounts only."""

import base64
import re

import pytest
from django.test import Client

from tests import factories
from users.models import User

HEADER = "HTTP_X_REMOTE_USER"


@pytest.fixture
def sso(db, settings):
    settings.SSO_REMOTE_USER_ENABLED = True
    settings.SSO_REMOTE_USER_HEADER = "X-Remote-User"
    settings.SSO_TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's address
    settings.SSO_TRUST_ALL_PEERS = False
    return settings


def _me(client, **headers):
    return client.get("/api/v2/me/", HTTP_ACCEPT="application/json", **headers)


def test_the_header_is_ignored_by_default(db):
    response = _me(Client(), **{HEADER: "eve"})

    assert response.status_code == 401
    assert not User.objects.filter(username="eve").exists()


def test_the_header_creates_an_external_account_and_a_session(sso):
    browser = Client()

    response = _me(browser, **{HEADER: "eve"})

    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["username"] == "eve"
    assert response.json()["results"][0]["external_account"] == "sso"
    eve = User.objects.get(username="eve")
    assert eve.external_account == "sso"
    assert not eve.has_usable_password()
    assert not eve.is_superuser and not eve.is_system_auditor
    # The session carries the login: later requests through the proxy reuse the same account.
    assert _me(browser, **{HEADER: "eve"}).status_code == 200
    assert User.objects.filter(username="eve").count() == 1


def test_an_existing_external_account_logs_in_again(sso):
    factories.user("eve", external_account="sso")

    response = _me(Client(), **{HEADER: "eve"})

    assert response.status_code == 200
    assert response.json()["results"][0]["username"] == "eve"


@pytest.mark.parametrize("origin", [None, "ldap"], ids=["local", "other-provider"])
def test_an_account_of_another_origin_is_never_logged_in_by_the_header(sso, origin):
    factories.user("org_boss", is_superuser=True, external_account=origin)

    response = _me(Client(), **{HEADER: "org_boss"})

    assert response.status_code == 401
    boss = User.objects.get(username="org_boss")
    assert boss.external_account == origin
    assert boss.has_usable_password()


def test_the_header_name_is_configurable(sso):
    sso.SSO_REMOTE_USER_HEADER = "X-Forwarded-User"

    assert _me(Client(), **{HEADER: "eve"}).status_code == 401
    response = _me(Client(), HTTP_X_FORWARDED_USER="eve")
    assert response.status_code == 200
    assert response.json()["results"][0]["username"] == "eve"


def test_the_provider_name_is_configurable(sso):
    sso.SSO_PROVIDER_NAME = "corp-sso"

    _me(Client(), **{HEADER: "eve"})

    assert User.objects.get(username="eve").external_account == "corp-sso"


def test_only_trusted_proxies_may_send_the_header(sso):
    sso.SSO_TRUSTED_PROXIES = ["10.0.0.5"]

    forged = _me(Client(REMOTE_ADDR="203.0.113.9"), **{HEADER: "eve"})
    assert forged.status_code == 401
    assert not User.objects.filter(username="eve").exists()

    proxied = _me(Client(REMOTE_ADDR="10.0.0.5"), **{HEADER: "eve"})
    assert proxied.status_code == 200


def test_a_session_from_the_header_ends_without_it(sso):
    browser = Client()
    assert _me(browser, **{HEADER: "eve"}).status_code == 200

    assert _me(browser).status_code == 401


def test_a_password_session_is_not_ended_by_the_missing_header(sso, plain_user):
    browser = Client()
    browser.force_login(plain_user, backend="users.backends.LocalPasswordBackend")

    assert _me(browser).status_code == 200


@pytest.mark.parametrize(
    "name",
    ["x" * 151, "has/slash", "has space", "12345", ""],
    ids=["too-long", "slash", "space", "digits", "empty"],
)
def test_unusable_names_in_the_header_are_refused_not_500(sso, name):
    response = _me(Client(), **{HEADER: name})

    assert response.status_code == 401
    assert User.objects.filter(external_account="sso").count() == 0


def test_sso_writes_need_csrf_like_any_session(sso):
    browser = Client(enforce_csrf_checks=True)

    response = browser.patch(
        "/api/v2/users/eve/", {"first_name": "Eve"}, content_type="application/json", **{HEADER: "eve"}
    )

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_an_inactive_external_account_is_refused(sso):
    factories.user("eve", external_account="sso", is_active=False)

    assert _me(Client(), **{HEADER: "eve"}).status_code == 401


def test_without_trusted_proxies_the_header_is_ignored(sso):
    sso.SSO_TRUSTED_PROXIES = []
    response = _me(Client(), **{HEADER: "eve"})
    assert response.status_code == 401
    assert not User.objects.filter(username="eve").exists()


def test_trusting_every_peer_is_an_explicit_choice(sso):
    sso.SSO_TRUSTED_PROXIES = []
    sso.SSO_TRUST_ALL_PEERS = True
    response = _me(Client(), REMOTE_ADDR="203.0.113.9", **{HEADER: "eve"})
    assert response.status_code == 200
    assert response.json()["results"][0]["external_account"] == "sso"


# External accounts have no local password ------------------------------------------

EXTERNAL_RULE = (
    "Users of an external authentication provider (sso) have no local password: "
    "they sign in through their provider only."
)


def _basic(username, password):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{username}:{password}".encode()).decode())
    return client


@pytest.mark.parametrize("auth", ["bearer", "basic", "session"])
def test_not_even_a_superuser_gives_an_external_account_a_password(client_for, superuser, auth):
    eve = factories.user("eve", external_account="sso")
    eve.set_unusable_password()
    eve.save()

    response = client_for(superuser, auth=auth).patch(
        f"/api/v2/users/{eve.pk}/", {"password": "Local-Pass-123"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"password": [EXTERNAL_RULE]}
    eve.refresh_from_db()
    assert not eve.has_usable_password()
    assert _basic("eve", "Local-Pass-123").get("/api/v2/me/").status_code == 401


def test_an_external_user_cannot_set_a_password_for_themselves(sso):
    browser = Client()
    assert _me(browser, **{HEADER: "eve"}).status_code == 200
    eve = User.objects.get(username="eve")

    response = browser.patch(
        f"/api/v2/users/{eve.pk}/",
        {"password": "Local-Pass-123", "current_password": ""},
        content_type="application/json",
        **{HEADER: "eve"},
    )

    assert response.status_code == 400
    assert response.json() == {"password": [EXTERNAL_RULE]}
    eve.refresh_from_db()
    assert not eve.has_usable_password()


@pytest.fixture
def external_with_a_stored_password(db):
    """An external account that somehow holds a usable local password hash."""
    eve = factories.user("eve", external_account="sso")
    assert eve.has_usable_password() and eve.check_password(factories.PASSWORD)
    return eve


def test_basic_auth_refuses_an_external_account_whatever_its_stored_hash(external_with_a_stored_password):
    assert _basic("eve", factories.PASSWORD).get("/api/v2/me/").status_code == 401


def test_the_login_form_refuses_an_external_account_whatever_its_stored_hash(external_with_a_stored_password):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/api/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = browser.post(
        "/api/login/", {"username": "eve", "password": factories.PASSWORD, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in browser.session
    assert _me(browser).status_code == 401


@pytest.mark.parametrize("allowed", [True, False], ids=["oauth2-for-external-on", "oauth2-for-external-off"])
def test_the_password_grant_refuses_an_external_account_whatever_its_stored_hash(
    external_with_a_stored_password, org, allowed
):
    from config import runtime
    from tests.support.oauth import app_with_secret, password_grant
    from tokens.models import AccessToken

    runtime.update({"ALLOW_OAUTH2_FOR_EXTERNAL_USERS": allowed})
    app, secret = app_with_secret(org)

    response = password_grant(app, secret, external_with_a_stored_password)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.filter(user=external_with_a_stored_password).exists()


def test_a_password_session_of_an_external_account_stops_authenticating(external_with_a_stored_password):
    browser = Client()
    browser.force_login(external_with_a_stored_password, backend="users.backends.LocalPasswordBackend")

    assert _me(browser).status_code == 401


def test_the_same_paths_still_sign_in_a_local_account(plain_user, org):
    from tests.support.oauth import app_with_secret, password_grant

    assert _basic("plain", factories.PASSWORD).get("/api/v2/me/").status_code == 200
    assert Client().login(username="plain", password=factories.PASSWORD)
    app, secret = app_with_secret(org)
    assert password_grant(app, secret, plain_user).status_code == 200


@pytest.mark.parametrize("origin", [None, "sso"], ids=["local", "external"])
@pytest.mark.parametrize("name", ["Eve", "EVE", "\uff45ve"], ids=["capital", "upper", "fullwidth"])
def test_a_header_name_equal_to_an_account_only_after_folding_is_refused(sso, caplog, origin, name):
    factories.user("eve", external_account=origin)

    response = _me(Client(), **{HEADER: name})

    assert response.status_code == 401, response.content
    assert list(User.objects.values_list("username", flat=True)) == ["eve"]
    assert "sso login refused" in caplog.text


def test_a_header_name_not_in_its_compatibility_form_is_refused(sso):
    response = _me(Client(), **{HEADER: "\ufb01x"})  # the ligature of "fix"

    assert response.status_code == 401
    assert not User.objects.exists()
