"""The List operation's query: its parameters, its order, and keyset pages behind an opaque continuation token.

A page continues after the last row of the previous one by its sort key and then its id
(unique, the tie-breaker), never by an offset: a PAT created or revoked meanwhile shifts no
row from one page to another, so nothing that existed at the start is listed twice or
skipped. Whether a PAT counts as active or expired is judged at the time of the first page,
which the token carries, so a PAT expiring while a client pages does not move either.

The continuation token is signed (opaque to clients, refused when altered) and names the
organization, filter, sort and direction it belongs to: with any other it is a 400.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework import exceptions

from tokens.models import AccessToken

FILTERS = ("active", "revoked", "expired", "all")
SORTS = ("displayName", "displayDate", "status")
DEFAULT_FILTER, DEFAULT_SORT = "active", "displayName"
MAX_TOP = 100
# Status order for sortByOption=status (ascending).
ACTIVE, EXPIRED, REVOKED = 0, 1, 2
SALT = "pats.continuation"
DIGITS = re.compile(r"[0-9]{1,4}")


def _bad(name: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: [message]})


def _one(params: Any, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise _bad(name, "Give this parameter at most once.")
    return values[0] if values else None


def _choice(params: Any, name: str, choices: tuple[str, ...], default: str) -> str:
    value = _one(params, name)
    if value is None:
        return default
    # Enum values are matched regardless of case, as the seed service's clients may spell them.
    match = next((choice for choice in choices if choice.lower() == value.lower()), None)
    if match is None:
        raise _bad(name, f"'{value[:40]}' is not one of: {', '.join(choices)}.")
    return match


@dataclass(frozen=True)
class Query:
    """One List request: which PATs, in which order, how many, from where."""

    display_filter: str
    sort_by: str
    ascending: bool
    top: int
    as_of: datetime
    after: tuple[Any, int] | None  # (sort key, id) of the previous page's last row

    def cursor(self, organization_id: int, key: Any, pk: int) -> str:
        state = [organization_id, self.display_filter, self.sort_by, self.ascending, self.as_of.isoformat(), key, pk]
        return signing.dumps(state, salt=SALT, compress=True)


def parse(params: Any, organization_id: int) -> Query:
    """The List parameters of a query string; a 400 naming the parameter for any value it cannot take."""
    display_filter = _choice(params, "displayFilterOption", FILTERS, DEFAULT_FILTER)
    sort_by = _choice(params, "sortByOption", SORTS, DEFAULT_SORT)
    ascending = _choice(params, "isSortAscending", ("true", "false"), "true") == "true"
    raw_top = _one(params, "$top")
    top = MAX_TOP
    if raw_top is not None:
        if not DIGITS.fullmatch(raw_top) or not 1 <= int(raw_top) <= MAX_TOP:
            raise _bad("$top", f"Must be a whole number from 1 to {MAX_TOP}.")
        top = int(raw_top)
    token = _one(params, "continuationToken")
    as_of, after = timezone.now(), None
    if token:
        try:
            state = signing.loads(token, salt=SALT)
            org, filter_, sort, asc, as_of_text, key, pk = state
            as_of = datetime.fromisoformat(as_of_text)
        except (signing.BadSignature, ValueError, TypeError):
            raise _bad("continuationToken", "Not a continuation token of this list.") from None
        if (org, filter_, sort, asc) != (organization_id, display_filter, sort_by, ascending):
            raise _bad(
                "continuationToken",
                "This continuation token belongs to another organization, displayFilterOption, sortByOption or "
                "isSortAscending; continue with the parameters of the first page, or start again without it.",
            )
        after = (key, pk)
    return Query(display_filter, sort_by, ascending, top, as_of, after)


def _status(as_of: datetime) -> Case:
    return Case(
        When(revoked_at__isnull=False, then=Value(REVOKED)),
        When(expires__lte=as_of, then=Value(EXPIRED)),
        default=Value(ACTIVE),
        output_field=IntegerField(),
    )


def _filtered(queryset: QuerySet[AccessToken], query: Query) -> QuerySet[AccessToken]:
    live = Q(revoked_at__isnull=True)
    conditions = {
        "active": live & Q(expires__gt=query.as_of),
        "expired": live & Q(expires__lte=query.as_of),
        "revoked": ~live,
        "all": Q(),
    }
    return queryset.filter(conditions[query.display_filter])


def _sort_key(query: Query) -> Any:
    keys = {"displayName": Lower("description"), "displayDate": F("expires"), "status": _status(query.as_of)}
    return keys[query.sort_by]


def _after(query: Query) -> Q:
    """Rows after the previous page's last one, in the page order (key, then id)."""
    if query.after is None:
        return Q()
    key, pk = query.after
    if query.sort_by == "displayDate":
        key = datetime.fromisoformat(key)
    later = "gt" if query.ascending else "lt"
    return Q(**{f"sort_key__{later}": key}) | Q(sort_key=key, **{f"pk__{later}": pk})


def page(queryset: QuerySet[AccessToken], query: Query, organization_id: int) -> tuple[list[AccessToken], str | None]:
    """One page of `queryset` for `query`, and the continuation token of the next (None after the last)."""
    rows = _filtered(queryset, query).annotate(sort_key=_sort_key(query)).filter(_after(query))
    order = ("sort_key", "pk") if query.ascending else ("-sort_key", "-pk")
    found: list[AccessToken] = [row for row in rows.order_by(*order)[: query.top + 1]]
    if len(found) <= query.top:
        return found, None
    found = found[: query.top]
    last = found[-1]
    key = getattr(last, "sort_key")  # noqa: B009  (an annotation, unknown to the model's type)
    return found, query.cursor(organization_id, key.isoformat() if isinstance(key, datetime) else key, last.pk)
