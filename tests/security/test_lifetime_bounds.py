"""Every accepted lifetime keeps `now + lifetime` and `now - lifetime` valid dates on every path that uses it."""

import pytest
from django.core.management import call_command
from django.test import Client

from config import runtime
from config.api.serializers import LIFETIME_KEYS, MAX_SECONDS
from config.models import ConfigValue
from tests import factories
from tests.support.oauth import app_with_secret, basic, pkce_pair, post_form, query_of
from tests.support.probe import run_probe
from tokens.models import AccessToken, Grant, RefreshToken

URL = "/api/v2/settings/authentication/"
CALLBACK = "https://client.example/cb"


@pytest.fixture
def longest(client_for, superuser):
    """Every lifetime set, through the API, to the largest value it accepts."""
    body = {
        "OAUTH2_PROVIDER": dict.fromkeys(LIFETIME_KEYS, MAX_SECONDS),
        "PAT_MAX_LIFETIME_SECONDS": MAX_SECONDS,
        "PAT_DEFAULT_LIFETIME_SECONDS": MAX_SECONDS,
    }
    response = client_for(superuser).patch(URL, body, format="json")
    assert response.status_code == 200, response.content
    return body


@pytest.mark.parametrize("key", LIFETIME_KEYS)
def test_one_more_second_than_the_bound_is_400(client_for, superuser, key):
    response = client_for(superuser).patch(URL, {"OAUTH2_PROVIDER": {key: MAX_SECONDS + 1}}, format="json")
    assert response.status_code == 400
    assert str(MAX_SECONDS) in str(response.json()["OAUTH2_PROVIDER"][key])


def test_cleanup_tokens_runs_with_the_longest_refresh_lifetime(longest, org, org_member):
    app, secret = app_with_secret(org)
    post_form(
        "/api/o/token/",
        {"grant_type": "password", "username": org_member.username, "password": factories.PASSWORD},
        basic(app.client_id, secret),
    )
    call_command("cleanup_tokens", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert RefreshToken.objects.filter(user=org_member).count() == 1  # nothing live was deleted


def test_the_oauth_grants_issue_and_refresh_with_the_longest_lifetimes(longest, org, org_member):
    app, secret = app_with_secret(org)
    data = {"grant_type": "password", "username": org_member.username, "password": factories.PASSWORD}
    issued = post_form("/api/o/token/", data, basic(app.client_id, secret))
    assert issued.status_code == 200, issued.content
    assert issued.json()["expires_in"] == MAX_SECONDS

    refresh = {"grant_type": "refresh_token", "refresh_token": issued.json()["refresh_token"]}
    renewed = post_form("/api/o/token/", refresh, basic(app.client_id, secret))
    assert renewed.status_code == 200, renewed.content

    seen = post_form("/api/o/introspect/", {"token": renewed.json()["refresh_token"]}, basic(app.client_id, secret))
    assert seen.status_code == 200 and seen.json()["active"] is True


def test_the_authorization_code_flow_with_the_longest_lifetimes(longest, org, org_member):
    app, _ = app_with_secret(
        org, name="SPA", client_type="public", authorization_grant_type="authorization-code", redirect_uris=CALLBACK
    )
    verifier, challenge = pkce_pair()
    browser = Client()
    browser.force_login(org_member)
    consent = {
        "client_id": app.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "read",
        "allow": "Authorize",
    }
    response = post_form("/api/o/authorize/", consent, client=browser)
    assert response.status_code == 302, response.content
    assert Grant.objects.get(application=app).expires.year > 3000
    code = query_of(response["Location"])["code"]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
        "client_id": app.client_id,
    }
    assert post_form("/api/o/token/", exchange).status_code == 200
    call_command("cleanup_tokens", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_tokens_created_through_the_api_with_the_longest_lifetimes(longest, client_for, org, org_member):
    app = factories.application(org)
    client = client_for(org_member)
    personal = client.post("/api/v2/tokens/", {}, format="json")
    assert personal.status_code == 201, personal.content
    application = client.post("/api/v2/tokens/", {"application": app.pk}, format="json")
    assert application.status_code == 201, application.content
    far = client.post("/api/v2/tokens/", {"expires": "9999-12-31T00:00:00Z"}, format="json")
    assert far.status_code in (201, 400), far.content
    late = client.patch(f"/api/v2/tokens/{personal.json()['id']}/", {"expires": "3000-01-01T00:00:00Z"}, format="json")
    assert late.status_code == 200, late.content


def test_a_value_stored_under_a_wider_bound_is_read_as_the_bound(db, org, org_member):
    for key in LIFETIME_KEYS:
        ConfigValue.objects.update_or_create(key=key, defaults={"value": 200_000_000_000})
    assert {key: runtime.get(key) for key in LIFETIME_KEYS} == dict.fromkeys(LIFETIME_KEYS, MAX_SECONDS)
    assert all(runtime.current()[key] == MAX_SECONDS for key in LIFETIME_KEYS)
    factories.personal_token(org_member)
    call_command("cleanup_tokens", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert AccessToken.objects.filter(user=org_member).exists()


@pytest.mark.parametrize("key", [*LIFETIME_KEYS, "PAT_MAX_LIFETIME_SECONDS"])
def test_an_environment_lifetime_beyond_the_bound_stops_the_service(key):
    result = run_probe(SECRET_KEY="x", **{key: str(MAX_SECONDS + 1)})
    assert result.returncode != 0
    assert key in result.stderr and "ImproperlyConfigured" in result.stderr
