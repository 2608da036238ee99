"""Rules on obtaining tokens: who may hold one at all, and which credentials may mint or extend them."""

from tokensvc import runtime
from tokensvc.access.scopes import READ, WRITE


def external_user_denial(user) -> str | None:
    """The refusal for a user of an external provider while ALLOW_OAUTH2_FOR_EXTERNAL_USERS is off."""
    provider = getattr(user, "external_account", None)
    if not provider or runtime.get("ALLOW_OAUTH2_FOR_EXTERNAL_USERS"):
        return None
    return f"OAuth2 Tokens cannot be created by users associated with an external authentication provider ({provider})"


# Only a token from the authorization-code flow (or refreshed or rotated from one) proves
# that a person signed in through a browser. A password-grant token does not (any script
# holding the password gets one), and neither does a token created through /api/v2/, even
# for an authorization-code application: otherwise one interactive request could mint a
# token that mints tokens forever.
INTERACTIVE_ISSUANCE = frozenset({"authorization_code"})

CREDENTIAL_KINDS = {
    "api": "a token created through the API",
    "password": "a token from the password grant",
    "command": "a token created by a management command",
}

INTERACTIVE_AUTH_MESSAGE = (
    "Creating, rotating or renewing tokens requires an interactive sign-in (a browser session, HTTP Basic "
    "authentication or a token from the authorization-code flow) while TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH "
    "is on; this request was authenticated by {kind}."
)


def interactive_auth_denial(credential) -> str | None:
    """The refusal to mint or extend tokens with a token-based credential, when the setting demands it.

    `credential` is what authenticated the request: None for a session or Basic auth, else
    an access token. Only tokens issued through the authorization-code flow count as interactive.
    """
    if credential is None or not runtime.get("TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH"):
        return None
    if getattr(credential, "application_id", None) is None:
        return INTERACTIVE_AUTH_MESSAGE.format(kind="a personal access token")
    issued_via = getattr(credential, "issued_via", None)
    if issued_via in INTERACTIVE_ISSUANCE:
        return None
    return INTERACTIVE_AUTH_MESSAGE.format(kind=CREDENTIAL_KINDS.get(issued_via, "a non-interactive token"))


def scope_rights(scope: str) -> frozenset[str]:
    """What a scope string lets a token do: `write` implies `read`, so "write" and "read write" are equal."""
    words = set((scope or "").split())
    if WRITE in words:
        words.add(READ)
    return frozenset(words)


def widens_scope(current: str, proposed: str) -> bool:
    """Would `proposed` let a token do anything `current` does not? Narrowing or restating is not widening."""
    return not scope_rights(proposed) <= scope_rights(current)
