"""Real answers conform to the schema: bodies of success and error, of every dialect, validated against it.

Each test makes a request as a client would and checks the response's status and body
against what the schema documents for that operation (tests/support/openapi.py).
"""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories
from tests.support.oauth import app_with_secret, basic, password_grant, post_form
from tests.support.openapi import assert_conforms, assert_no_body_documented, generated_schema
from tokensvc.api.throttles import AddressRateThrottle

VERSION = "7.1-preview.1"
PATS = "/{organization}/_apis/tokens/pats"


@pytest.fixture
def spec():
    return generated_schema()


def in_days(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


# /api/v2/ ----------------------------------------------------------------------------------------


def test_a_token_created_read_and_listed(spec, org_member, client_for):
    client = client_for(org_member)
    created = client.post("/api/v2/tokens/", {"description": "ci", "scope": "read"}, format="json")
    body = assert_conforms(spec, "POST", "/api/v2/tokens/", created)
    assert re.fullmatch(r"tsp_[0-9A-Za-z]{38}", body["token"])

    read = client.get(f"/api/v2/tokens/{body['id']}/")
    assert assert_conforms(spec, "GET", "/api/v2/tokens/{id}/", read)["token"] == "************"
    assert_conforms(spec, "GET", "/api/v2/tokens/", client.get("/api/v2/tokens/", {"status": "all"}))
    changed = client.patch(f"/api/v2/tokens/{body['id']}/", {"description": "renamed"}, format="json")
    assert_conforms(spec, "PATCH", "/api/v2/tokens/{id}/", changed)
    rotated = client.post(f"/api/v2/tokens/{body['id']}/rotate/", {}, format="json")
    assert re.fullmatch(
        r"tsp_[0-9A-Za-z]{38}", assert_conforms(spec, "POST", "/api/v2/tokens/{id}/rotate/", rotated)["token"]
    )
    revoked = client.delete(f"/api/v2/tokens/{rotated.json()['id']}/")
    assert_no_body_documented(spec, "DELETE", "/api/v2/tokens/{id}/", revoked)


def test_an_application_token_shows_its_refresh_token_once(spec, org_member, org, client_for):
    app = factories.application(org)
    client = client_for(org_member)
    created = client.post(f"/api/v2/applications/{app.pk}/tokens/", {"scope": "write"}, format="json")
    body = assert_conforms(spec, "POST", "/api/v2/applications/{id}/tokens/", created)
    assert body["refresh_token"].startswith("tsr_")
    listed = assert_conforms(
        spec, "GET", "/api/v2/applications/{id}/tokens/", client.get(f"/api/v2/applications/{app.pk}/tokens/")
    )
    assert listed["results"][0]["refresh_token"] == "************"


def test_applications_users_organizations_and_the_roots(spec, superuser, org, client_for):
    client = client_for(superuser)
    app = client.post(
        "/api/v2/applications/",
        {
            "name": "Portal",
            "organization": org.pk,
            "client_type": "confidential",
            "authorization_grant_type": "password",
        },
        format="json",
    )
    assert_conforms(spec, "POST", "/api/v2/applications/", app)
    assert_conforms(spec, "GET", "/api/v2/applications/{id}/", client.get(f"/api/v2/applications/{app.json()['id']}/"))
    assert_conforms(spec, "GET", "/api/v2/me/", client.get("/api/v2/me/"))
    assert_conforms(spec, "GET", "/api/v2/users/{id}/", client.get(f"/api/v2/users/{superuser.username}/"))
    assert_conforms(spec, "GET", "/api/v2/organizations/", client.get("/api/v2/organizations/"))
    assert_conforms(spec, "GET", "/api/v2/activity_stream/", client.get("/api/v2/activity_stream/"))
    assert_conforms(
        spec,
        "GET",
        "/api/v2/organizations/{id}/token_policy/",
        client.get(f"/api/v2/organizations/{org.pk}/token_policy/"),
    )
    assert_conforms(spec, "GET", "/api/v2/settings/", client.get("/api/v2/settings/"))
    settings = client.patch("/api/v2/settings/authentication/", {"PAT_MAX_LIFETIME_SECONDS": None}, format="json")
    assert_conforms(spec, "PATCH", "/api/v2/settings/authentication/", settings)
    assert_conforms(
        spec, "GET", "/api/v2/users/{id}/tokens/revoke/", client.get(f"/api/v2/users/{superuser.pk}/tokens/revoke/")
    )
    anonymous = Client()
    for path in ("/api/", "/api/v2/", "/api/v2/ping/", "/api/v2/teams/"):
        assert_conforms(spec, "GET", path, anonymous.get(path))


def test_association_answers_204_without_a_body(spec, superuser, org, client_for):
    member = factories.user("joiner")
    response = client_for(superuser).post(f"/api/v2/organizations/{org.pk}/users/", {"id": member.pk}, format="json")
    assert_no_body_documented(spec, "POST", "/api/v2/organizations/{id}/users/", response)


def test_errors_have_the_documented_shapes(spec, org_member, client_for):
    assert_conforms(spec, "GET", "/api/v2/tokens/", APIClient().get("/api/v2/tokens/"))  # 401
    client = client_for(org_member)
    bad = client.post("/api/v2/tokens/", {"scope": "admin", "expires": "soon", "color": "red"}, format="json")
    assert bad.status_code == 400
    assert_conforms(spec, "POST", "/api/v2/tokens/", bad)
    assert_conforms(spec, "GET", "/api/v2/tokens/{id}/", client.get("/api/v2/tokens/987654321/"))  # 404
    assert_conforms(spec, "GET", "/api/v2/settings/", client.get("/api/v2/settings/"))  # 403
    assert_conforms(spec, "GET", "/api/v2/users/", client.get("/api/v2/users/", {"password": "x"}))  # 403, a secret
    assert_conforms(spec, "GET", "/api/v2/users/", client.get("/api/v2/users/", {"shoe_size": "9"}))  # 400
    assert_conforms(spec, "GET", "/api/v2/users/", client.get("/api/v2/users/", {"page": "99"}))  # 404
    reader = client_for(org_member, scope="read")
    assert_conforms(spec, "POST", "/api/v2/tokens/", reader.post("/api/v2/tokens/", {}, format="json"))  # 403


# /api/o/ -----------------------------------------------------------------------------------------


def test_oauth_token_introspection_revocation_and_metadata(spec, org, org_member):
    app, secret = app_with_secret(org)
    issued = password_grant(app, secret, org_member, scope="read")
    body = assert_conforms(spec, "POST", "/api/o/token/", issued)
    assert body["token_type"] == "Bearer"

    introspected = post_form("/api/o/introspect/", {"token": body["access_token"]}, basic(app.client_id, secret))
    assert assert_conforms(spec, "POST", "/api/o/introspect/", introspected)["active"] is True
    unknown = post_form("/api/o/introspect/", {"token": "tsa_nothing"}, basic(app.client_id, secret))
    assert assert_conforms(spec, "POST", "/api/o/introspect/", unknown) == {"active": False}
    assert_conforms(spec, "POST", "/api/o/introspect/", post_form("/api/o/introspect/", {"token": "x"}))  # 401

    revoked = post_form("/api/o/revoke_token/", {"token": body["access_token"]}, basic(app.client_id, secret))
    assert_no_body_documented(spec, "POST", "/api/o/revoke_token/", revoked)

    wrong = password_grant(app, secret, org_member, password="wrong")
    assert assert_conforms(spec, "POST", "/api/o/token/", wrong)["error"] == "invalid_grant"
    unsupported = post_form("/api/o/token/", {"grant_type": "client_credentials"}, basic(app.client_id, secret))
    assert_conforms(spec, "POST", "/api/o/token/", unsupported)

    assert_conforms(spec, "GET", "/api/o/", Client().get("/api/o/"))
    metadata = Client().get("/.well-known/oauth-authorization-server")
    assert set(assert_conforms(spec, "GET", "/.well-known/oauth-authorization-server", metadata)) <= set(
        spec["components"]["schemas"]["OAuthServerMetadata"]["properties"]
    )


# The PAT lifecycle dialect ---------------------------------------------------------------------------


@pytest.fixture
def dialect(org, org_member):
    """A client with an authorization-code user token, as the dialect wants."""
    app = factories.application(
        org,
        name="PAT manager",
        authorization_grant_type="authorization-code",
        redirect_uris="https://client.example/cb",
    )
    value = factories.application_token(org_member, app, scope="read write", issued_via="authorization_code").value
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def test_pat_lifecycle_operations(spec, org, dialect):
    base = f"/{org.name}/_apis/tokens/pats?api-version={VERSION}"
    created = dialect.post(base, {"displayName": "ci", "scope": "read", "validTo": in_days(30)}, format="json")
    body = assert_conforms(spec, "POST", PATS, created)
    authorization_id = body["patToken"]["authorizationId"]
    assert body["patToken"]["token"].startswith("tsp_")

    assert "patTokens" in assert_conforms(spec, "GET", PATS, dialect.get(base + "&displayFilterOption=all&$top=1"))
    got = assert_conforms(spec, "GET", PATS, dialect.get(base + f"&authorizationId={authorization_id}"))
    assert got["patToken"]["token"] is None
    updated = dialect.put(base, {"authorizationId": authorization_id, "displayName": "renamed"}, format="json")
    assert_conforms(spec, "PUT", PATS, updated)
    assert_no_body_documented(spec, "DELETE", PATS, dialect.delete(base + f"&authorizationId={authorization_id}"))


def test_pat_lifecycle_errors(spec, org, dialect):
    base = f"/{org.name}/_apis/tokens/pats"
    assert_conforms(spec, "GET", PATS, dialect.get(base))  # 400: no api-version
    query = f"?api-version={VERSION}"
    assert_conforms(
        spec, "POST", PATS, dialect.post(base + query, {"displayName": ""}, format="json")
    )  # 400, own shape
    missing = dialect.get(base + query + "&authorizationId=3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert missing.status_code == 404
    assert_conforms(spec, "GET", PATS, missing)
    assert_conforms(spec, "GET", PATS, dialect.get("/Nowhere/_apis/tokens/pats" + query))  # 404, service shape
    assert_conforms(spec, "GET", PATS, APIClient().get(base + query))  # 401
    assert_conforms(spec, "POST", PATS, dialect.post(base + query, "x=1", content_type="text/plain"))  # 415


def test_discovery_and_token_admin(spec, org, org_admin, org_member, web_app_token_for):
    admin = web_app_token_for(org_admin)
    discovery = admin.options(f"/{org.name}/_apis")
    assert_conforms(spec, "OPTIONS", "/{organization}/_apis", discovery)
    listed = admin.get(f"/{org.name}/_apis/tokenadmin/personalaccesstokens/{org_member.username}?api-version={VERSION}")
    assert_conforms(spec, "GET", "/{organization}/_apis/tokenadmin/personalaccesstokens/{member}", listed)
    revoked = admin.post(f"/{org.name}/_apis/tokenadmin/revocations?api-version={VERSION}", [], format="json")
    assert_no_body_documented(spec, "POST", "/{organization}/_apis/tokenadmin/revocations", revoked)
    bad_rule = admin.post(
        f"/{org.name}/_apis/tokenadmin/revocationrules?api-version={VERSION}", {"scopes": "x"}, format="json"
    )
    assert_conforms(spec, "POST", "/{organization}/_apis/tokenadmin/revocationrules", bad_rule)
    member = web_app_token_for(org_member)
    refused = member.post(
        f"/{org.name}/_apis/tokenadmin/revocationrules?api-version={VERSION}", {"scopes": "read"}, format="json"
    )
    assert refused.status_code == 403
    assert_conforms(spec, "POST", "/{organization}/_apis/tokenadmin/revocationrules", refused)


@pytest.fixture
def web_app_token_for(org):
    app = factories.application(
        org,
        name="Admin console",
        authorization_grant_type="authorization-code",
        redirect_uris="https://client.example/cb",
    )

    def make(user):
        value = factories.application_token(user, app, scope="read write", issued_via="authorization_code").value
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        return client

    return make


def test_a_report_of_leaked_tokens_and_its_refusals(spec, org_member, settings, monkeypatch):
    # All within one minute of the rate limit, whenever the test runs.
    pinned = (time.time() // 60 + 1) * 60 + 1
    monkeypatch.setattr(AddressRateThrottle, "timer", lambda throttle: pinned)
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "credentials_revoke": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    path = "/api/v2/credentials/revoke/"
    operation = spec["paths"][path]["post"]
    # Anyone may report: no credentials, so no 401 and no 403 either.
    assert operation["security"] == [{}]
    assert {"202", "400", "429"} <= set(operation["responses"]) and not {"401", "403"} & set(operation["responses"])
    client = APIClient()
    value = factories.personal_token(org_member).value

    accepted = assert_conforms(spec, "POST", path, client.post(path, {"tokens": [value, "x"]}, format="json"))
    assert accepted["received"] == 2
    assert "tokens" in assert_conforms(spec, "POST", path, client.post(path, {"tokens": []}, format="json"))
    limited = client.post(path, {"tokens": ["x"]}, format="json")
    assert limited.status_code == 429 and "detail" in assert_conforms(spec, "POST", path, limited)
    assert_conforms(spec, "GET", path, client.get(path))
