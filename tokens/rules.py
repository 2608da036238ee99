"""Rules on obtaining tokens: who may hold one at all, and which credentials may mint or extend them."""

from tokensvc import runtime


def external_user_denial(user) -> str | None:
    """The refusal for a user of an external provider while ALLOW_OAUTH2_FOR_EXTERNAL_USERS is off."""
    provider = getattr(user, "external_account", None)
    if not provider or runtime.get("ALLOW_OAUTH2_FOR_EXTERNAL_USERS"):
        return None
    return f"OAuth2 Tokens cannot be created by users associated with an external authentication provider ({provider})"


# Grants whose tokens prove that a person signed in through a browser; the password grant
# does not: any script holding the password gets one.
INTERACTIVE_GRANTS = frozenset({"authorization-code"})

INTERACTIVE_AUTH_MESSAGE = (
    "Creating, rotating or renewing tokens requires an interactive sign-in (a browser session, HTTP Basic "
    "authentication or a token from the authorization-code flow) while TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH "
    "is on; this request was authenticated by {kind}."
)


def interactive_auth_denial(credential) -> str | None:
    """The refusal to mint or extend tokens with a token-based credential, when the setting demands it.

    `credential` is what authenticated the request: None for a session or Basic auth, else
    an access token. Only tokens of authorization-code applications count as interactive.
    """
    if credential is None or not runtime.get("TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH"):
        return None
    application = getattr(credential, "application", None)
    if application is None:
        return INTERACTIVE_AUTH_MESSAGE.format(kind="a personal access token")
    grant = application.authorization_grant_type
    if grant in INTERACTIVE_GRANTS:
        return None
    return INTERACTIVE_AUTH_MESSAGE.format(kind=f"a token of an application using the {grant} grant")
