"""Who may obtain a token at all, whatever the path (the API, /api/o/token/, commands)."""

from tokensvc import runtime


def external_user_denial(user) -> str | None:
    """The refusal for a user of an external provider while ALLOW_OAUTH2_FOR_EXTERNAL_USERS is off."""
    provider = getattr(user, "external_account", None)
    if not provider or runtime.get("ALLOW_OAUTH2_FOR_EXTERNAL_USERS"):
        return None
    return f"OAuth2 Tokens cannot be created by users associated with an external authentication provider ({provider})"
