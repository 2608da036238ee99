"""TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH: which credentials may create, rotate and renew tokens."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from config import runtime
from tests import factories
from tests.support.oauth import app_with_secret, password_grant
from tokens.models import AccessToken
from tokens.policy import INTERACTIVE_AUTH_MESSAGE

DENIED_PAT = INTERACTIVE_AUTH_MESSAGE.format(kind="a personal access token")
DENIED_PASSWORD = INTERACTIVE_AUTH_MESSAGE.format(kind="a token from the password grant")
DENIED_API = INTERACTIVE_AUTH_MESSAGE.format(kind="a token created through the API")

CREDENTIALS = ("session", "basic", "pat", "password_app_token", "authorization_code_app_token")
ACTIONS = ("create", "rotate", "renew")

# setting  credential                      expected status for every action, or the refusal
MATRIX = [
    (False, "session", None),
    (False, "basic", None),
    (False, "pat", None),
    (False, "password_app_token", None),
    (False, "authorization_code_app_token", None),
    (True, "session", None),
    (True, "basic", None),
    (True, "pat", DENIED_PAT),
    (True, "password_app_token", DENIED_PASSWORD),
    (True, "authorization_code_app_token", None),
]
SUCCESS = {"create": 201, "rotate": 201, "renew": 200}
CASES = [(setting, credential, action, denial) for setting, credential, denial in MATRIX for action in ACTIONS]


@pytest.fixture
def apps(org):
    return {
        "password": factories.application(org, name="Script", authorization_grant_type="password"),
        "authorization-code": factories.application(
            org,
            name="Web",
            authorization_grant_type="authorization-code",
            redirect_uris="https://web.example.com/callback",
        ),
    }


def client_with(credential, user, apps, client_for):
    if credential in ("session", "basic"):
        return client_for(user, auth=credential)
    if credential == "pat":
        return client_for(user)
    grant, issued_via = (
        ("password", "password") if credential == "password_app_token" else ("authorization-code", "authorization_code")
    )
    issued = factories.application_token(user, apps[grant], issued_via=issued_via)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.value}")
    return client


def perform(client, action, target):
    in_a_week = (timezone.now() + timedelta(days=7)).isoformat()
    if action == "create":
        return client.post("/api/v2/users/org_member/personal_tokens/", {"description": "new"}, format="json")
    if action == "rotate":
        return client.post(f"/api/v2/tokens/{target.pk}/rotate/", {}, format="json")
    if action == "renew":
        return client.patch(f"/api/v2/tokens/{target.pk}/", {"expires": in_a_week}, format="json")
    raise AssertionError(action)


def test_the_table_covers_every_setting_and_credential():
    assert {(setting, credential) for setting, credential, _ in MATRIX} == {
        (setting, credential) for setting in (False, True) for credential in CREDENTIALS
    }


@pytest.mark.parametrize(
    "setting, credential, action, denial",
    CASES,
    ids=[f"{'on' if s else 'off'}-{c}-{a}" for s, c, a, _ in CASES],
)
def test_interactive_auth_setting(client_for, org_member, apps, setting, credential, action, denial):
    runtime.update({"TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": setting})
    target = factories.personal_token(org_member, description="target").token
    original_expiry = target.expires
    client = client_with(credential, org_member, apps, client_for)
    before = AccessToken.objects.count()

    response = perform(client, action, target)

    target.refresh_from_db()
    if denial is None:
        assert response.status_code == SUCCESS[action], response.content
        return
    assert response.status_code == 403
    assert response.json() == {"detail": denial}
    assert AccessToken.objects.count() == before
    assert target.revoked_at is None and target.expires == original_expiry


def test_the_rule_applies_to_every_create_endpoint(client_for, org_member, apps):
    runtime.update({"TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": True})
    client = client_for(org_member)
    app = apps["password"]
    for path, body in (
        ("/api/v2/tokens/", {}),
        ("/api/v2/tokens/", {"application": app.pk}),
        (f"/api/v2/applications/{app.pk}/tokens/", {}),
        ("/api/v2/users/org_member/authorized_tokens/", {"application": app.pk}),
    ):
        response = client.post(path, body, format="json")
        assert response.status_code == 403, (path, response.content)
        assert response.json() == {"detail": DENIED_PAT}


def test_other_changes_and_revocation_stay_allowed_with_a_token(client_for, org_member):
    runtime.update({"TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": True})
    target = factories.personal_token(org_member, description="before").token
    client = client_for(org_member)
    detail = f"/api/v2/tokens/{target.pk}/"

    assert client.patch(detail, {"description": "after"}, format="json").status_code == 200
    # Sending back the expiry it already has is not a renewal.
    current = client.get(detail).json()
    put = client.put(detail, {"description": "again", "scope": "write", "expires": current["expires"]}, format="json")
    assert put.status_code == 200, put.content
    assert client.delete(detail).status_code == 204


def test_the_rule_follows_the_setting_at_once(client_for, superuser, org_member):
    """Switched through the settings API, it applies to the next request."""
    admin = APIClient()
    raw = f"{superuser.username}:{factories.PASSWORD}".encode()
    admin.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(raw).decode())
    member = client_for(org_member)
    path = "/api/v2/users/org_member/personal_tokens/"

    switched = admin.patch(
        "/api/v2/settings/authentication/", {"TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": True}, format="json"
    )
    assert switched.status_code == 200, switched.content
    assert member.post(path, {}, format="json").status_code == 403

    admin.patch("/api/v2/settings/authentication/", {"TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": False}, format="json")
    assert member.post(path, {}, format="json").status_code == 201


def test_a_real_password_grant_token_is_refused_but_the_grant_itself_still_works(org, org_member):
    runtime.update({"TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": True})
    app, secret = app_with_secret(org, authorization_grant_type="password")

    granted = password_grant(app, secret, org_member, scope="write")

    assert granted.status_code == 200, granted.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {granted.json()['access_token']}")
    response = client.post("/api/v2/users/org_member/personal_tokens/", {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": DENIED_PASSWORD}


def test_a_token_created_through_the_api_for_an_authorization_code_app_is_not_interactive(client_for, org_member, apps):
    """One interactive request must not mint a token that can mint tokens forever after."""
    runtime.update({"TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": True})
    session = client_for(org_member, auth="session")
    created = session.post(f"/api/v2/applications/{apps['authorization-code'].pk}/tokens/", {}, format="json")
    assert created.status_code == 201
    assert created.json()["issued_via"] == "api"
    chained = APIClient()
    chained.credentials(HTTP_AUTHORIZATION=f"Bearer {created.json()['token']}")
    response = chained.post("/api/v2/users/org_member/personal_tokens/", {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": DENIED_API}


def test_tokens_from_the_authorization_code_flow_stay_interactive_through_refresh(org, org_member):
    from tests.support.oauth import (
        CALLBACK,
        basic,
        exchange_code,
        give_consent,
        pkce_pair,
        query_of,
        refresh_grant,
        signed_in,
    )

    runtime.update({"TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": True})
    app, secret = app_with_secret(
        org, name="Portal", authorization_grant_type="authorization-code", redirect_uris=CALLBACK
    )
    verifier, challenge = pkce_pair()
    consent = give_consent(signed_in(org_member), app, challenge)
    code = query_of(consent["Location"])["code"]
    granted = exchange_code(app, code, verifier, headers=basic(app.client_id, secret))
    assert granted.status_code == 200, granted.content
    issued = AccessToken.objects.get(user=org_member, revoked_at__isnull=True)
    assert issued.issued_via == "authorization_code"

    def creates_a_pat(value):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        return client.post("/api/v2/users/org_member/personal_tokens/", {}, format="json").status_code

    assert creates_a_pat(granted.json()["access_token"]) == 201
    refreshed = refresh_grant(app, secret, granted.json()["refresh_token"])
    assert refreshed.status_code == 200, refreshed.content
    assert creates_a_pat(refreshed.json()["access_token"]) == 201
