"""Identifiable token values: `<prefix>_<32 random base62 chars><6 char base62 CRC32>`.

The prefix tells the kind (`tsp_` personal access token, `tsa_` OAuth2 access token,
`tsr_` refresh token); 32 base62 characters carry about 190 bits of randomness; the CRC32
checksum of everything before it lets a secret scanner, or this service, tell a real value
from a typo offline, before any database lookup.

Scanner regular expression (also `SCANNER_PATTERN`):
    \\b(?:tsp|tsa|tsr)_[0-9A-Za-z]{38}\\b
"""

import hashlib
import re
import secrets
import zlib

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PERSONAL = "tsp"
ACCESS = "tsa"
REFRESH = "tsr"
PREFIXES = (PERSONAL, ACCESS, REFRESH)
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6

SCANNER_PATTERN = r"\b(?:tsp|tsa|tsr)_[0-9A-Za-z]{38}\b"
# The same by kind, as README's "Reporting a leaked token" gives them to secret scanners.
ACCESS_TOKEN_PATTERN = r"\b(?:tsp|tsa)_[0-9A-Za-z]{38}\b"
REFRESH_TOKEN_PATTERN = r"\btsr_[0-9A-Za-z]{38}\b"
_SHAPE = re.compile(r"^(tsp|tsa|tsr)_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$")


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 62)
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def generate(prefix: str) -> str:
    if prefix not in PREFIXES:
        raise ValueError(f"Unknown token prefix: {prefix!r}")
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    body = f"{prefix}_{random_part}"
    return body + _checksum(body)


def kind(value: str) -> str | None:
    """The prefix of a well-formed value with a correct checksum, else None."""
    match = _SHAPE.match(value)
    if not match:
        return None
    prefix, random_part, checksum = match.groups()
    if _checksum(f"{prefix}_{random_part}") != checksum:
        return None
    return prefix


def is_acceptable(value: str) -> bool:
    """Worth a database lookup: a well-formed value with a correct checksum."""
    return kind(value) is not None


def digest(value: str) -> str:
    """The SHA-256 hex digest under which a value is stored and looked up (never the value)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def hint(value: str) -> str:
    """The non-secret hint shown in lists: the last four characters."""
    return value[-4:]


# django-oauth-toolkit generator hooks (ACCESS_TOKEN_GENERATOR / REFRESH_TOKEN_GENERATOR).
def oauth_access_token(request=None) -> str:
    return generate(ACCESS)


def oauth_refresh_token(request=None) -> str:
    return generate(REFRESH)
