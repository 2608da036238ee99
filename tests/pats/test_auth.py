"""Who may call the lifecycle API, with which credential, api-version, organization and path spelling."""

import base64
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from pats.base import BASIC_MESSAGE, INTERACTIVE_ONLY_MESSAGE, PAT_CREDENTIAL_MESSAGE
from pats.versions import ACCEPTED
from tests import factories
from tests.pats.conftest import VERSION, url
from tokens.models import AccessToken


def bearer(value):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def create_body():
    return {"displayName": "made", "scope": "read", "allOrgs": False}


# Credentials ----------------------------------------------------------------------------------


@pytest.fixture
def password_app(org):
    return factories.application(org, name="Script", authorization_grant_type="password")


# credential, TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH, expected status, words of the 401 message
CREDENTIALS = [
    ("anonymous", False, 401, "credentials were not provided"),
    ("basic", False, 401, BASIC_MESSAGE),
    ("pat", False, 401, PAT_CREDENTIAL_MESSAGE),
    ("api app token", False, 401, "not issued through an OAuth2 sign-in"),
    ("command app token", False, 401, "not issued through an OAuth2 sign-in"),
    ("password grant token", False, 200, None),
    ("password grant token", True, 401, INTERACTIVE_ONLY_MESSAGE),
    ("authorization code token", False, 200, None),
    ("authorization code token", True, 200, None),
]


def client_with(credential, user, web_app, password_app):
    if credential == "anonymous":
        return APIClient()
    if credential == "basic":
        client = APIClient()
        raw = base64.b64encode(f"{user.username}:{factories.PASSWORD}".encode()).decode()
        client.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
        return client
    if credential == "pat":
        return bearer(factories.personal_token(user).value)
    app, issued_via = {
        "api app token": (web_app, "api"),
        "command app token": (web_app, "command"),
        "password grant token": (password_app, "password"),
        "authorization code token": (web_app, "authorization_code"),
    }[credential]
    return bearer(factories.application_token(user, app, issued_via=issued_via).value)


@pytest.mark.parametrize(
    ("credential", "interactive_only", "expected", "message"),
    CREDENTIALS,
    ids=[f"{c}{'-interactive-only' if i else ''}" for c, i, _, _ in CREDENTIALS],
)
def test_credentials(credential, interactive_only, expected, message, member, org, web_app, password_app, settings):
    settings.TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH = interactive_only
    client = client_with(credential, member, web_app, password_app)
    before = AccessToken.objects.count()
    for response in (client.get(url(org.name)), client.post(url(org.name), create_body(), format="json")):
        assert response.status_code == expected, response.content
        if expected == 401:
            assert message in response.json()["message"]
            assert response["WWW-Authenticate"].startswith("Bearer")
    assert AccessToken.objects.count() == before + (1 if expected == 200 else 0)


def test_a_browser_session_works_with_its_csrf_token(member, org):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/api/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    signed = browser.post(
        "/api/login/", {"username": member.username, "password": factories.PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert signed.status_code == 302
    assert browser.get(url(org.name)).status_code == 200
    refused = browser.post(url(org.name), create_body(), content_type="application/json")
    assert refused.status_code == 403 and refused.json()["patTokenError"] == "accessDenied"
    assert "CSRF" in refused.json()["patTokenErrorMessage"]
    made = browser.post(
        url(org.name),
        create_body(),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert made.status_code == 200, made.content


# api-version ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ACCEPTED)
@pytest.mark.parametrize("where", ["query", "accept"])
def test_every_accepted_version_in_the_query_or_the_accept_header(pats_client, member, org, version, where):
    client = pats_client(member)
    path = f"/{org.name}/_apis/tokens/pats"
    if where == "query":
        response = client.get(f"{path}?api-version={version}")
    else:
        response = client.get(path, HTTP_ACCEPT=f"application/json;api-version={version}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("", None),
        ("", "application/json"),
        ("?api-version=5.0", None),
        ("", "application/json;api-version=7.0"),
        ("?api-version=6.1-preview&api-version=7.1-preview", None),
    ],
    ids=["missing", "accept-without-version", "wrong-query", "wrong-accept", "twice"],
)
def test_a_missing_or_unknown_version_is_a_400_listing_the_accepted_ones(pats_client, member, org, query, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    client = pats_client(member)
    for response in (
        client.get(f"/{org.name}/_apis/tokens/pats{query}", **headers),
        client.post(f"/{org.name}/_apis/tokens/pats{query}", create_body(), format="json", **headers),
    ):
        assert response.status_code == 400, response.content
        message = response.json()["message"]
        assert all(version in message for version in ACCEPTED), message
    assert not AccessToken.objects.filter(description="made").exists()


# Organization and path ------------------------------------------------------------------------


def test_an_organization_the_caller_is_not_in_or_that_does_not_exist_is_404(pats_client, member, other_org):
    client = pats_client(member)
    for name in (other_org.name, "Nowhere"):
        for response in (client.get(url(name)), client.post(url(name), create_body(), format="json")):
            assert response.status_code == 404, response.content
            assert "does not exist or you do not belong to it" in response.json()["message"]


def test_the_organization_and_the_path_match_regardless_of_case_and_trailing_slash(pats_client, member, org):
    client = pats_client(member)
    for path in (
        f"/{org.name.upper()}/_apis/tokens/pats",
        f"/{org.name.lower()}/_apis/Tokens/Pats",
        f"/{org.name}/_apis/TOKENS/pats/",
    ):
        response = client.post(f"{path}?api-version={VERSION}", create_body(), format="json")
        assert response.status_code == 200, (path, response.content)
        assert response.json()["patToken"]["targetAccounts"] == [str(org.uuid)]


def test_other_methods_are_405(pats_client, member, org):
    assert pats_client(member).patch(url(org.name), {}, format="json").status_code == 405


# Organization-bound credentials -----------------------------------------------------------------


@pytest.fixture
def bound_client(member, org, other_org, web_app):
    """The member's authorization-code token bound to `org`; the member belongs to both organizations."""
    member.memberships.create(organization=other_org, role="member")
    issued = factories.application_token(member, web_app, issued_via="authorization_code")
    AccessToken.objects.filter(pk=issued.token.pk).update(organization=org)
    return bearer(issued.value)


def test_a_bound_user_token_does_not_see_another_organization(bound_client, org, other_org):
    assert bound_client.get(url(other_org.name)).status_code == 404
    assert bound_client.post(url(other_org.name), create_body(), format="json").status_code == 404
    assert bound_client.get(url(org.name)).status_code == 200


def test_a_bound_user_token_creates_only_pats_bound_to_its_organization(bound_client, org):
    made = bound_client.post(url(org.name), create_body(), format="json")
    assert made.status_code == 200, made.content
    refused = bound_client.post(url(org.name), {**create_body(), "allOrgs": True}, format="json")
    assert refused.status_code == 403 and refused.json()["patTokenError"] == "accessDenied"
    assert "bound to the same organization" in refused.json()["patTokenErrorMessage"]
    unbind = bound_client.put(
        url(org.name), {"authorizationId": made.json()["patToken"]["authorizationId"], "allOrgs": True}, format="json"
    )
    assert unbind.status_code == 403 and unbind.json()["patTokenError"] == "accessDenied"
    assert AccessToken.objects.filter(description="made", organization=org).count() == 1
