"""List filtering from the query string: exact-field filters, lookups, `search` and `order_by`.

`?username=alice`, `?organization__name=Default`, `?id__in=1,2`, `?search=text`,
`?order_by=-created,name`. Unknown fields are a 400; secret fields are a 403.
"""

import functools
from collections.abc import Mapping
from types import MappingProxyType

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend

# Never filterable or sortable: that would let a caller guess a secret one character at a time.
from tokensvc.secret_fields import SECRET_FIELDS

# Query parameters that are not field filters.
RESERVED_PARAMS = frozenset({"page", "page_size", "order_by", "search", "format"})

LOOKUPS = frozenset(
    {
        "exact",
        "iexact",
        "contains",
        "icontains",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "in",
        "isnull",
        "gt",
        "gte",
        "lt",
        "lte",
    }
)

MAX_DEPTH = 2


class FilterError(exceptions.ValidationError):
    pass


def _secret_denied(name: str):
    return exceptions.PermissionDenied(f"Filtering on {name} is not allowed.")


def resolve_path(model, parts: list[str], extra_secret=frozenset()) -> tuple[models.Field, list[str]]:
    """Walk `parts` through model fields (following relations); return the final field."""
    field = None
    current = model
    for index, part in enumerate(parts):
        if part in SECRET_FIELDS or part in extra_secret:
            raise _secret_denied(part)
        if current is None or index >= MAX_DEPTH:
            raise FilterError({"detail": f"Unknown or unsupported filter field: {'__'.join(parts)}."})
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            raise FilterError({"detail": f"Unknown filter field: {'__'.join(parts)}."}) from None
        if field.many_to_many or field.one_to_many:
            raise FilterError({"detail": f"Cannot filter on the multi-valued relation: {part}."})
        current = field.related_model if field.is_relation else None
    return field, parts


def _convert(field: models.Field, lookup: str, raw: str):
    if lookup == "isnull":
        return _as_bool(raw)
    if lookup == "in":
        return [_convert(field, "exact", item) for item in raw.split(",") if item != ""]
    if field.is_relation:
        field = field.target_field
    if isinstance(field, models.JSONField):
        raise FilterError({"detail": f"{field.name} can only be filtered with __isnull."})
    if isinstance(field, models.BooleanField):
        return _as_bool(raw)
    if lookup in {"contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "iexact"}:
        return raw
    if field.null and raw.lower() in {"null", "none"} and lookup == "exact":
        return None
    try:
        value = field.to_python(raw)
        # Range and format validators too: an id past 64 bits or "abc" as an IP address is
        # bad input, not a database error.
        field.run_validators(value)
        return value
    except ValidationError as error:
        raise FilterError({"detail": f"Invalid value for {field.name}: {' '.join(error.messages)}"}) from None


def _as_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise FilterError({"detail": f"Invalid boolean value: {raw!r}."})


def field_aliases(view) -> Mapping[str, str]:
    """API field names that read a model field of another name (a user's `created` is `date_joined`)."""
    get_serializer_class = getattr(view, "get_serializer_class", None)
    if get_serializer_class is None:
        return {}
    return _serializer_aliases(get_serializer_class())


@functools.cache
def _serializer_aliases(serializer_class) -> Mapping[str, str]:
    # Field sources are fixed by the class, so they are worked out once per process, not per request.
    aliases = {}
    for name, field in serializer_class().fields.items():
        source = field.source
        if source and source != name and source != "*" and "." not in source:
            aliases[name] = source
    return MappingProxyType(aliases)


def _aliased(parts: list[str], aliases: dict[str, str]) -> list[str]:
    return [aliases.get(parts[0], parts[0]), *parts[1:]] if parts else parts


class FieldLookupBackend(BaseFilterBackend):
    """The filter, search and ordering backend for every list view."""

    def filter_queryset(self, request, queryset, view):
        model = queryset.model
        extra_secret = frozenset(getattr(view, "secret_fields", ()))
        aliases = field_aliases(view)
        reserved = RESERVED_PARAMS | frozenset(getattr(view, "extra_query_params", ()))
        filters = Q()
        for key, values in request.query_params.lists():
            if key in reserved:
                continue
            parts = key.split("__")
            lookup = "exact"
            if len(parts) > 1 and parts[-1] in LOOKUPS:
                lookup = parts.pop()
            field, parts = resolve_path(model, _aliased(parts, aliases), extra_secret)
            for raw in values:
                value = _convert(field, lookup, raw)
                if value is None and lookup == "exact":
                    filters &= Q(**{"__".join(parts) + "__isnull": True})
                else:
                    filters &= Q(**{"__".join(parts) + "__" + lookup: value})
        queryset = queryset.filter(filters)

        search = request.query_params.get("search")
        search_fields = getattr(view, "search_fields", ())
        if search and search_fields:
            term_filter = Q()
            for name in search_fields:
                term_filter |= Q(**{f"{name}__icontains": search})
            queryset = queryset.filter(term_filter)

        order_by = request.query_params.get("order_by")
        if order_by:
            ordering = []
            for item in order_by.split(","):
                item = item.strip()
                if not item:
                    continue
                descending = item.startswith("-")
                parts = _aliased(item.lstrip("-").split("__"), aliases)
                resolve_path(model, parts, extra_secret)
                ordering.append(("-" if descending else "") + "__".join(parts))
            # A stable tie-breaker keeps pages from overlapping.
            queryset = queryset.order_by(*ordering, "pk")
        elif not queryset.ordered:
            queryset = queryset.order_by("pk")
        return queryset
