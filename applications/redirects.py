"""What an application's redirect URIs must be, for every path that sets them (the API and the web pages).

Absolute http or https URLs without a fragment, space-separated; at least one for the
authorization-code grant type, which sends its codes there.
"""

from urllib.parse import urlsplit

from .models import Application

REDIRECT_SCHEMES = ("http", "https")
# What an application's grant type may be, with its name in words.
GRANT_TYPES = (
    (Application.GRANT_PASSWORD, "Resource owner password-based"),
    (Application.GRANT_AUTHORIZATION_CODE, "Authorization code"),
)
REDIRECT_URI_REQUIRED = "At least one redirect URI is required for the authorization-code grant type."


def redirect_uri_errors(value: str) -> list[str]:
    """What is wrong with each of the space-separated URIs of `value`."""
    errors = []
    for uri in value.split():
        try:
            parts = urlsplit(uri)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            errors.append(f"{uri!r} is not a valid URL.")
            continue
        if parts.scheme not in REDIRECT_SCHEMES or not parts.netloc:
            errors.append(f"{uri!r} is not an absolute http or https URL.")
        elif "#" in uri:
            errors.append(f"{uri!r} must not contain a fragment (#).")
    return errors


def redirect_uris_problems(redirect_uris: str, grant_type: str | None) -> list[str]:
    """What is wrong with `redirect_uris` for an application of `grant_type`; empty when nothing is."""
    errors = redirect_uri_errors(redirect_uris)
    if not errors and not redirect_uris.strip() and grant_type == Application.GRANT_AUTHORIZATION_CODE:
        errors = [REDIRECT_URI_REQUIRED]
    return errors
