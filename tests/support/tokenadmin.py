"""Calling the token admin API as its clients do: an OAuth2 user token, api-version in the Accept header."""

from rest_framework.test import APIClient

from tokens.models import IssuedVia
from tokens.services import token_issue

ACCEPT = "application/json;api-version=7.1-preview.1"


def user_token(user, app, scope="read write", organization=None) -> str:
    """The value of an access token `user` got from `app` by the password grant (a strong enough sign-in)."""
    issued = token_issue(
        actor=user, user=user, application=app, scope=scope, issued_via=IssuedVia.PASSWORD, organization=organization
    )
    return issued.value


def dialect_client(user, app, scope="read write", organization=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token(user, app, scope, organization)}")
    client.defaults["HTTP_ACCEPT"] = ACCEPT
    return client


def pat(owner, *, scope="write", description="", organization=None):
    """A personal access token of `owner` (bound to `organization`, or unbound)."""
    return token_issue(actor=owner, user=owner, scope=scope, description=description, organization=organization)


def listing(org, member) -> str:
    return f"/{org.name}/_apis/tokenadmin/personalaccesstokens/{member}"


def revocations(org) -> str:
    return f"/{org.name}/_apis/tokenadmin/revocations"


def rules(org) -> str:
    return f"/{org.name}/_apis/tokenadmin/revocationrules"
