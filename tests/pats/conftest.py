"""Fixtures of the lifecycle API tests: OAuth2 user tokens as the seed's sample app gets them, and a client per user."""

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.support.oauth import CALLBACK

VERSION = "7.1-preview.1"


def url(org_name: str, query: str = "") -> str:
    """The lifecycle endpoint of an organization, with `api-version` and any further query."""
    return f"/{org_name}/_apis/tokens/pats?api-version={VERSION}" + (f"&{query}" if query else "")


@pytest.fixture
def web_app(org):
    """A confidential authorization-code application, as the seed's sample app registers."""
    return factories.application(
        org, name="PAT manager", authorization_grant_type="authorization-code", redirect_uris=CALLBACK
    )


@pytest.fixture
def user_token(web_app):
    """`user_token(user, scope="read write", issued_via="authorization_code")`: an OAuth2 user token's value."""

    def make(user, scope="read write", issued_via="authorization_code", app=None):
        return factories.application_token(user, app or web_app, scope=scope, issued_via=issued_via).value

    return make


@pytest.fixture
def pats_client(user_token):
    """`pats_client(user)`: an APIClient sending the user's authorization-code token, as the sample app does."""

    def make(user, **token_options):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token(user, **token_options)}")
        return client

    return make


@pytest.fixture
def member(org):
    return factories.user("alice", member_of=[org], email="alice@example.com")
