"""Finding secrets in a response without knowing the route: token values by their format, client secrets by
their field or their shape."""

import contextlib
import json
import re

from oauth2_provider.settings import oauth2_settings

from tokensvc import tokenformat
from tokensvc.api.serializers import SECRET_PLACEHOLDER

TOKEN_VALUE = re.compile(tokenformat.SCANNER_PATTERN)
# What the toolkit's generator makes: a run of exactly this many letters and digits (longer than
# any other value a page carries, e.g. a 64-character CSRF token).
GENERATED_SECRET = re.compile(
    rf"(?<![A-Za-z0-9])[A-Za-z0-9]{{{oauth2_settings.CLIENT_SECRET_GENERATOR_LENGTH}}}(?![A-Za-z0-9])"
)
SECRET_KEYS = frozenset({"client_secret", "token", "refresh_token", "access_token"})


def _json_secrets(value) -> list[str]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_KEYS and isinstance(item, str) and item and item != SECRET_PLACEHOLDER:
                found.append(item)
            else:
                found.extend(_json_secrets(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_json_secrets(item))
    return found


def secrets_in(response) -> list[str]:
    """Every token value, refresh token or client secret the response's body shows."""
    if getattr(response, "streaming", False):
        return []
    text = response.content.decode("utf-8", errors="replace")
    found = TOKEN_VALUE.findall(text) + GENERATED_SECRET.findall(text)
    if response.get("Content-Type", "").startswith("application/json") and text:
        with contextlib.suppress(ValueError):
            found += _json_secrets(json.loads(text))
    return found


def is_not_stored(response) -> bool:
    return "no-store" in response.get("Cache-Control", "") and response.get("Pragma") == "no-cache"
