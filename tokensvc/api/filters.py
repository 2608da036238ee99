"""List filtering from the query string: exact-field filters, lookups, `search` and `order_by`.

`?username=alice`, `?organization__name=Default`, `?id__in=1,2`, `?search=text`,
`?order_by=-created,name`. A filter is a query, and a query can leak what the caller cannot
read, so a list filters and orders only on what its serializer shows (FilterPolicy): its own
readable fields, under their API names, and, one relation deep, the fields of a related object
that the serializer declares in `filter_relations` (by default its `summary`, the fields the
caller is shown of that object). Anything else is a 400 naming the field; secret fields are a 403.
"""

import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
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


class FilterError(exceptions.ValidationError):
    pass


def _secret_denied(name: str):
    return exceptions.PermissionDenied(f"Filtering on {name} is not allowed.")


def _concrete_field(model, name: str) -> models.Field | None:
    """The single-valued column `name` of `model`, or None (reverse and many-to-many relations, properties)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not field.concrete or field.many_to_many or field.one_to_many:
        return None
    return field


@dataclass(frozen=True)
class FilterPolicy:
    """What one list may filter, order and search on: the allow-list, worked out from its serializer.

    `fields` maps the API name of each readable field to its model field (a user's `created`
    is `date_joined`). `relations` maps each relation that may be followed to the fields of
    the related object that may be reached through it.
    """

    model: type[models.Model]
    fields: Mapping[str, str]
    relations: Mapping[str, frozenset[str]]

    def resolve(self, path: str) -> tuple[models.Field, str]:
        """The model field and ORM path for an API path such as `user__username`; refuses the rest."""
        parts = path.split("__")
        for part in parts:
            if part in SECRET_FIELDS:
                raise _secret_denied(part)
        name = parts[0]
        if len(parts) == 1:
            if name in self.fields:
                return self.model._meta.get_field(self.fields[name]), self.fields[name]
            if "id" in self.relations.get(name, ()):
                # A related object's id, as in `?actor=5`, where the relation is not itself a field.
                return self.model._meta.get_field(name), name
            raise FilterError({"detail": f"{path}: {name} is not a field of this list."})
        if name not in self.fields and name not in self.relations:
            raise FilterError({"detail": f"{path}: {name} is not a field of this list."})
        if len(parts) > 2 or name not in self.relations:
            rest = "__".join(parts[1:])
            raise FilterError({"detail": f"{path}: {rest} is neither a lookup nor a field that {name} leads to."})
        if parts[1] not in self.relations[name]:
            allowed = ", ".join(sorted(self.relations[name])) or "nothing"
            raise FilterError({"detail": f"{path}: of {name}, lists filter and order only on {allowed}."})
        related = self.model._meta.get_field(self._source(name)).related_model
        return related._meta.get_field(parts[1]), f"{self._source(name)}__{parts[1]}"

    def _source(self, relation: str) -> str:
        return self.fields.get(relation, relation)


def policy_for_view(view) -> FilterPolicy:
    """The filter policy of a list view: from the serializer it reads with, over the model it lists."""
    serializer_class = getattr(view, "serializer_class", None)
    model = getattr(view, "access_model", None)
    if serializer_class is None or model is None:
        raise ImproperlyConfigured(f"{type(view).__name__} is filtered but names no serializer_class and access_model.")
    return policy_for(serializer_class, model)


@functools.cache
def policy_for(serializer_class, model) -> FilterPolicy:
    # Fixed by the class, so worked out once per process, not per request.
    fields = {}
    for name, field in serializer_class().fields.items():
        source = field.source
        if field.write_only or not source or source == "*" or "." in source:
            continue
        if name in SECRET_FIELDS or source in SECRET_FIELDS:
            continue
        if _concrete_field(model, source) is not None:
            fields[name] = source
    declared = getattr(serializer_class, "filter_relations", None)
    explicit = declared is not None
    relations = {}
    for name, attrs in (declared if explicit else getattr(serializer_class, "summary", {})).items():
        relation = _concrete_field(model, fields.get(name, name))
        if relation is None or not relation.is_relation:
            if explicit:
                raise ImproperlyConfigured(f"{serializer_class.__name__}.filter_relations: {name} is no relation.")
            continue
        reachable = set()
        for attr in attrs:
            target = _concrete_field(relation.related_model, attr)
            if target is None or target.is_relation or attr in SECRET_FIELDS:
                # A summary may show a computed value; only an explicit declaration must be all columns.
                if explicit:
                    raise ImproperlyConfigured(
                        f"{serializer_class.__name__}.filter_relations: {name}__{attr} is not a plain field."
                    )
                continue
            reachable.add(attr)
        relations[name] = frozenset(reachable)
    return FilterPolicy(model=model, fields=MappingProxyType(fields), relations=MappingProxyType(relations))


def _convert(field: models.Field, lookup: str, raw: str, name: str = ""):
    name = name or field.name
    if lookup == "isnull":
        return _as_bool(raw)
    if lookup == "in":
        return [_convert(field, "exact", item, name) for item in raw.split(",") if item != ""]
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
    except ValidationError as error:
        raise FilterError({"detail": f"Invalid value for {name}: {' '.join(error.messages)}"}) from None
    if isinstance(field, models.DateTimeField) and value is not None:
        value = _in_utc(value, name)
    return value


def _in_utc(value: datetime.datetime, name: str) -> datetime.datetime:
    """`value` in UTC, as the database compares it; a moment outside years 1 to 9999 there is bad input."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        return value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise FilterError({"detail": f"Invalid value for {name}: the date is out of range in UTC."}) from None


def _as_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise FilterError({"detail": f"Invalid boolean value: {raw!r}."})


class FieldLookupBackend(BaseFilterBackend):
    """The filter, search and ordering backend for every list view."""

    def filter_queryset(self, request, queryset, view):
        policy = policy_for_view(view)
        reserved = RESERVED_PARAMS | frozenset(getattr(view, "extra_query_params", ()))
        filters = Q()
        for key, values in request.query_params.lists():
            if key in reserved:
                continue
            parts = key.split("__")
            lookup = "exact"
            if len(parts) > 1 and parts[-1] in LOOKUPS:
                lookup = parts.pop()
            field, path = policy.resolve("__".join(parts))
            for raw in values:
                value = _convert(field, lookup, raw, "__".join(parts))
                if value is None and lookup == "exact":
                    filters &= Q(**{path + "__isnull": True})
                else:
                    filters &= Q(**{path + "__" + lookup: value})
        queryset = queryset.filter(filters)

        search = request.query_params.get("search")
        search_fields = getattr(view, "search_fields", ())
        if search and search_fields:
            term_filter = Q()
            for name in search_fields:
                # Declared by the view, so a field outside the policy is a bug, not bad input.
                try:
                    _, path = policy.resolve(name)
                except exceptions.APIException:
                    raise ImproperlyConfigured(f"{type(view).__name__} searches {name}, which it may not.") from None
                term_filter |= Q(**{f"{path}__icontains": search})
            queryset = queryset.filter(term_filter)

        order_by = request.query_params.get("order_by")
        if order_by:
            ordering = []
            for item in order_by.split(","):
                item = item.strip()
                if not item:
                    continue
                descending = item.startswith("-")
                _, path = policy.resolve(item.lstrip("-"))
                ordering.append(("-" if descending else "") + path)
            # A stable tie-breaker keeps pages from overlapping.
            queryset = queryset.order_by(*ordering, "pk")
        elif not queryset.ordered:
            queryset = queryset.order_by("pk")
        return queryset
