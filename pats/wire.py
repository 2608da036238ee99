"""The lifecycle API's wire format: reading its JSON bodies and ids, writing `PatToken` and `PatTokenResult`.

Only shapes live here: which JSON types a field takes, how `validTo` and `scope` are
spelled, how a token looks on the wire. Whether a value is allowed (lifetimes, the
organizations' rules, who may do what) is asked of tokens.policy and tokensvc.access.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import exceptions

from tokens.models import AccessToken
from tokensvc.access.scopes import is_valid_scope
from users.models import Organization

from .errors import PatError, PatTokenError

MAX_DISPLAY_NAME = 255
# The scope spelled as the seed service's full-access scope, and what it means here.
FULL_ACCESS_SCOPE = "app_token"
ACCEPTED_SCOPES = ("read", "write", "read write", FULL_ACCESS_SCOPE)
SCOPE_MESSAGE = (
    "The scope must be one of 'read', 'write', 'read write' or 'app_token' (full access, the same as 'write')."
)

CREATE_FIELDS = frozenset({"displayName", "scope", "validTo", "allOrgs"})
UPDATE_FIELDS = CREATE_FIELDS | {"authorizationId"}
# What a PatToken read back carries besides the request fields: accepted and ignored, so a
# script may send back what it read (the rotation recipe posts the old token's metadata).
READ_BACK_FIELDS = frozenset({"authorizationId", "targetAccounts", "validFrom", "token"})


def timestamp(value: datetime) -> str:
    """A time as the API writes it: ISO 8601 in UTC with `Z`."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def pat_token(token: AccessToken, organization: Organization, value: str | None = None) -> dict[str, Any]:
    """A PAT as `PatToken`; `value` only in the response that creates it.

    Tokens reach here from the organization's list, so a bound one is bound to `organization`.
    """
    return {
        "displayName": token.description,
        "validTo": timestamp(token.expires),
        "scope": token.scope,
        "targetAccounts": [str(organization.uuid)] if token.organization_id is not None else None,
        "validFrom": timestamp(token.created),
        "authorizationId": str(token.authorization_id),
        "token": value,
    }


def result(token: AccessToken, organization: Organization, value: str | None = None) -> dict[str, Any]:
    """`PatTokenResult`: the token and no error."""
    return {"patToken": pat_token(token, organization, value), "patTokenError": str(PatTokenError.NONE)}


# Reading ------------------------------------------------------------------------------------


def authorization_id(value: object) -> uuid.UUID:
    """The `authorizationId` of a request: a UUID, else invalidAuthorizationId."""
    if isinstance(value, str) and value.strip():
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            pass
    raise PatError(
        PatTokenError.INVALID_AUTHORIZATION_ID,
        "authorizationId is required and must be the UUID of a personal access token.",
    )


def display_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PatError(PatTokenError.INVALID_DISPLAY_NAME, "displayName is required and must be a non-blank string.")
    if len(value) > MAX_DISPLAY_NAME:
        raise PatError(
            PatTokenError.INVALID_DISPLAY_NAME,
            f"displayName may be at most {MAX_DISPLAY_NAME} characters long; it has {len(value)}.",
        )
    if "\x00" in value:
        # PostgreSQL cannot store it, and no name needs it.
        raise PatError(PatTokenError.INVALID_DISPLAY_NAME, "displayName may not contain NUL characters.")
    return value


def scope(value: object) -> str:
    """The service's scope for a requested one: `app_token` means `write`."""
    if value == FULL_ACCESS_SCOPE:
        return "write"
    if isinstance(value, str) and is_valid_scope(value):
        return value
    raise PatError(PatTokenError.INVALID_SCOPE, SCOPE_MESSAGE)


def valid_to(value: object) -> datetime:
    """An ISO 8601 time (`Z` or an offset; without one, UTC), else invalidValidTo."""
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
            if parsed is not None:
                parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        except (ValueError, OverflowError):
            parsed = None
    if parsed is None:
        raise PatError(
            PatTokenError.INVALID_VALID_TO,
            "validTo must be an ISO 8601 date and time, such as 2030-01-31T00:00:00Z.",
        )
    return parsed


def all_orgs(value: object) -> bool:
    if not isinstance(value, bool):
        raise exceptions.ValidationError({"allOrgs": ["Must be true or false."]})
    return value


@dataclass(frozen=True)
class Request:
    """A Create or Update body, read; a field that was not sent is None."""

    authorization_id: uuid.UUID | None = None
    display_name: str | None = None
    scope: str | None = None
    valid_to: datetime | None = None
    all_orgs: bool | None = None


def body(data: object, *, update: bool) -> Request:
    """Read a Create (`update=False`) or Update body: a JSON object of the request's fields."""
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"detail": ["The request body must be a JSON object."]})
    known = (UPDATE_FIELDS if update else CREATE_FIELDS) | READ_BACK_FIELDS
    unknown = sorted(str(name) for name in data if name not in known)
    if unknown:
        raise exceptions.ValidationError({name: ["Unknown field."] for name in unknown})
    fields: dict[str, Any] = {}
    if update:
        fields["authorization_id"] = authorization_id(data.get("authorizationId"))
    if not update or "displayName" in data:
        # Required on Create (a missing name is refused like a blank one); optional on Update.
        fields["display_name"] = display_name(data.get("displayName"))
    readers = {"scope": scope, "validTo": valid_to, "allOrgs": all_orgs}
    names = {"scope": "scope", "validTo": "valid_to", "allOrgs": "all_orgs"}
    for name, read in readers.items():
        # null is "not sent", as the seed service's clients send absent optional fields.
        if data.get(name) is not None:
            fields[names[name]] = read(data[name])
    return Request(**fields)
