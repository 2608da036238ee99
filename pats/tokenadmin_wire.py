"""The token admin API's wire format: its query parameters and bodies in, `SessionToken` pages out.

Every malformed input is a 400 whose message names the field and the reason. Continuation
tokens are opaque and signed: one names the organization, the member and the last token
of its page, so it cannot be replayed against another list or edited to skip rows.
"""

import uuid
from datetime import UTC, datetime, time

from django.core import signing
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.exceptions import ValidationError

from tokens.models import AccessToken
from users.models import Organization

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_REVOCATIONS = 1000
# Scope words a revocation rule may name: the service's rights, and the lifecycle API's
# name for full access.
RULE_SCOPES = {"read": "read", "write": "write", "app_token": "write"}

_CONTINUATION_SALT = "pats.tokenadmin.continuation"


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def boolean(request, name: str) -> bool:
    """A `true`/`false` query parameter (absent: false), as the official client writes it."""
    values = request.query_params.getlist(name)
    if not values:
        return False
    if len(values) > 1 or values[0].lower() not in ("true", "false"):
        raise _bad(name, "Must be given once, as true or false.")
    return values[0].lower() == "true"


def page_size(request) -> int:
    """`pageSize`: a positive integer, served at most MAX_PAGE_SIZE at a time (default DEFAULT_PAGE_SIZE)."""
    values = request.query_params.getlist("pageSize")
    if not values:
        return DEFAULT_PAGE_SIZE
    value = values[0]
    # At most 7 digits: a longer number is no page size, and int() of thousands of digits fails.
    if len(values) > 1 or not value.isascii() or not value.isdigit() or len(value) > 7 or int(value) < 1:
        raise _bad("pageSize", f"Must be given once, as a positive integer (at most {MAX_PAGE_SIZE} are served).")
    return min(int(value), MAX_PAGE_SIZE)


def continuation(*, organization: Organization, member_id: int, last_pk: int) -> str:
    """The opaque token that resumes the member's list after `last_pk`."""
    return signing.dumps({"o": organization.pk, "u": member_id, "after": last_pk}, salt=_CONTINUATION_SALT)


def resume_after(request, *, organization: Organization, member_id: int) -> int | None:
    """The token id a `continuationToken` resumes after, or None without one; 400 for one of another list."""
    values = request.query_params.getlist("continuationToken")
    if not values:
        return None
    message = "Is not a continuation token of this list: pass back the value of the previous page unchanged."
    if len(values) > 1:
        raise _bad("continuationToken", "Must be given once.")
    try:
        data = signing.loads(values[0], salt=_CONTINUATION_SALT)
    except signing.BadSignature:
        raise _bad("continuationToken", message) from None
    if (
        not isinstance(data, dict)
        or data.get("o") != organization.pk
        or data.get("u") != member_id
        or type(data.get("after")) is not int
    ):
        raise _bad("continuationToken", message)
    after: int = data["after"]
    return after


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def session_token(token: AccessToken, organization: Organization, now: datetime) -> dict[str, object]:
    """A personal access token as the official client's `SessionToken` model declares it; never its value.

    Only what is true here is filled: a PAT has no OAuth client, no public key data, no
    claims, no alternate value, and the token is its own authorization, so `accessId` is its
    `authorizationId` and there is no separate host authorization.
    """
    authorization_id = str(token.authorization_id)
    return {
        "authorizationId": authorization_id,
        "accessId": authorization_id,
        "hostAuthorizationId": None,
        "clientId": None,
        "displayName": token.description,
        "scope": token.scope,
        # Tokens listed here are bound to this organization or to none.
        "targetAccounts": [str(organization.uuid)] if token.organization_id == organization.pk else None,
        "validFrom": _iso(token.created),
        "validTo": _iso(token.expires),
        "isValid": token.revoked_at is None and token.expires is not None and token.expires > now,
        "isPublic": False,
        "userId": str(token.user_id),
        "publicData": None,
        "source": None,
        "claims": None,
        "alternateToken": None,
        "token": None,
    }


def revocation_ids(data: object) -> list[uuid.UUID]:
    """The authorization ids of a revocations body: `[{"authorizationId": "<uuid>"}, ...]`."""
    if not isinstance(data, list):
        raise _bad("body", 'Must be a JSON array of objects like {"authorizationId": "<uuid>"}.')
    if len(data) > MAX_REVOCATIONS:
        raise _bad("body", f"At most {MAX_REVOCATIONS} revocations per request; this one has {len(data)}.")
    ids = []
    for index, item in enumerate(data):
        field = f"[{index}].authorizationId"
        if not isinstance(item, dict):
            raise _bad(f"[{index}]", f'Must be an object like {{"authorizationId": "<uuid>"}}, not {_short(item)}.')
        unknown = sorted(str(key) for key in item if key != "authorizationId")
        if unknown:
            raise _bad(f"[{index}]", f"Unknown field(s) {', '.join(unknown)}: only authorizationId is accepted.")
        if "authorizationId" not in item:
            raise _bad(field, "This field is required.")
        ids.append(_uuid(item["authorizationId"], field))
    return ids


def _uuid(value: object, field: str) -> uuid.UUID:
    if isinstance(value, str) and value.isascii() and len(value) in (32, 36, 38):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise _bad(field, f"Must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6, not {_short(value)}.")


def revocation_rule(data: object, now: datetime) -> tuple[frozenset[str], datetime]:
    """(rights, created_before) of a revocation rule body `{"scopes": "...", "createdBefore": "..."}`."""
    if not isinstance(data, dict):
        raise _bad("body", 'Must be a JSON object like {"scopes": "write", "createdBefore": "2024-06-01T00:00:00Z"}.')
    unknown = sorted(str(key) for key in data if key not in ("scopes", "createdBefore"))
    if unknown:
        raise _bad("body", f"Unknown field(s) {', '.join(unknown)}: only scopes and createdBefore are accepted.")
    scopes = data.get("scopes")
    accepted = ", ".join(RULE_SCOPES)
    if not isinstance(scopes, str) or not scopes.split():
        raise _bad("scopes", f"Required: a space-separated list of scopes among {accepted}.")
    words = scopes.split()
    strange = [word for word in words if word not in RULE_SCOPES]
    if strange:
        raise _bad(
            "scopes", f"Unknown scope(s) {', '.join(_short(word) for word in strange[:5])}; accepted: {accepted}."
        )
    created_before = data.get("createdBefore")
    before = now if created_before is None else _instant(created_before, "createdBefore")
    return frozenset(RULE_SCOPES[word] for word in words), before


def _instant(value: object, field: str) -> datetime:
    """An ISO 8601 date-time (a naive one is UTC) or date (its midnight, UTC)."""
    message = f"Must be an ISO 8601 date-time such as 2024-06-01T12:00:00Z, not {_short(value)}."
    if not isinstance(value, str) or not value.isascii():
        raise _bad(field, message)
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = datetime.combine(day, time.min) if day is not None else None
        if moment is None:
            raise _bad(field, message)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _bad(field, message) from None
