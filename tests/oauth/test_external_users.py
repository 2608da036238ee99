"""Users of an external authentication provider and ALLOW_OAUTH2_FOR_EXTERNAL_USERS on /api/o/token/."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from config import runtime
from tests import factories
from tests.support.oauth import (
    app_with_secret,
    basic,
    bearer,
    password_grant,
    pkce_pair,
    post_form,
    query_of,
    refresh_grant,
)
from tokens.models import AccessToken

MESSAGE = "OAuth2 Tokens cannot be created by users associated with an external authentication provider (ldap)"


@pytest.fixture
def external_user(org):
    return factories.user("ext", member_of=[org], external_account="ldap")


@pytest.mark.parametrize("allowed", [False, True], ids=["setting-off", "setting-on"])
def test_password_grant_refused_whatever_the_setting(org, external_user, allowed):
    # An external account has no local password (users.backends): the grant never authenticates it.
    runtime.update({"ALLOW_OAUTH2_FOR_EXTERNAL_USERS": allowed})
    app, secret = app_with_secret(org)
    response = password_grant(app, secret, external_user)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.filter(user=external_user).exists()


def _authorization_code_tokens(org, browser, name="Portal"):
    """Tokens for the user `browser` is signed in as through their provider, from the authorization-code flow."""
    callback = "https://client.example/cb"
    app, secret = app_with_secret(org, name, authorization_grant_type="authorization-code", redirect_uris=callback)
    verifier, challenge = pkce_pair()
    consent = {
        "client_id": app.client_id,
        "redirect_uri": callback,
        "response_type": "code",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "read write",
        "allow": "Authorize",
    }
    code = query_of(post_form("/api/o/authorize/", consent, client=browser)["Location"])["code"]
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": callback, "code_verifier": verifier}
    return app, secret, post_form("/api/o/token/", exchange, basic(app.client_id, secret))


def test_command_refused_while_the_setting_is_off(external_user):
    with pytest.raises(CommandError, match=r"external authentication provider \(ldap\)"):
        call_command("create_oauth2_token", "--user", external_user.username)
    assert not AccessToken.objects.filter(user=external_user).exists()


def test_tokens_survive_turning_the_setting_off_but_no_new_ones(org, external_user, client_for, superuser, sso_browser):
    admin = client_for(superuser)
    browser = sso_browser(external_user)
    assert admin.patch(
        "/api/v2/settings/authentication/", {"ALLOW_OAUTH2_FOR_EXTERNAL_USERS": True}, format="json"
    ).json()["ALLOW_OAUTH2_FOR_EXTERNAL_USERS"]
    app, secret, issued = _authorization_code_tokens(org, browser)
    assert issued.status_code == 200
    issued = issued.json()

    assert (
        admin.patch(
            "/api/v2/settings/authentication/", {"ALLOW_OAUTH2_FOR_EXTERNAL_USERS": False}, format="json"
        ).status_code
        == 200
    )
    assert Client().get("/api/v2/me/", **bearer(issued["access_token"])).status_code == 200
    assert _authorization_code_tokens(org, browser, name="Portal 2")[2].status_code == 403
    refreshed = refresh_grant(app, secret, issued["refresh_token"])
    assert refreshed.status_code == 403
    assert refreshed.json()["error_description"] == MESSAGE
    # The refusal revoked nothing: the existing token keeps working.
    assert Client().get("/api/v2/me/", **bearer(issued["access_token"])).status_code == 200


def test_local_users_are_not_affected(org, org_member):
    assert runtime.get("ALLOW_OAUTH2_FOR_EXTERNAL_USERS") is False
    app, secret = app_with_secret(org)
    assert password_grant(app, secret, org_member).status_code == 200
