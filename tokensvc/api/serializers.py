"""The Tower-shaped base serializer: id, type, url, related, summary_fields, created, modified.

Subclasses declare `related` links and `summary_fields` explicitly and make no queries of
their own: what they read must be joined by the access policy's `select_related`.

Input is taken as sent, never coerced: a text or choice field accepts a JSON string only
(not `0` or `true`), and an id is a JSON integer or a string of ASCII digits (not `1.9`,
`true` or `"1.0"`, which would otherwise be truncated or cast to another object's id).
"""

import copy
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from rest_framework import serializers

from tokensvc.access import check
from tokensvc.types import type_name

SECRET_PLACEHOLDER = "************"
# The largest id a BigAutoField holds: a larger number names nothing and must not reach a query.
MAX_ID = 2**63 - 1
ID_MESSAGE = "Must be an integer id: a JSON integer or a string of digits."


# An id no object has, reversed once per route to find where a real id goes in its path.
_PK_MARK = 8_246_173_905_517


@lru_cache(maxsize=512)
def _pk_route(view_name: str, suffix: str, script_prefix: str) -> tuple[str, str]:
    path = reverse(view_name, kwargs={"pk": _PK_MARK})
    before, _, after = path.partition(str(_PK_MARK))
    return before, after + suffix


def reverse_pk(view_name: str, pk, suffix: str = "") -> str:
    """`reverse(view_name, kwargs={"pk": pk}) + suffix`, resolving the route once instead of on every row."""
    before, after = _pk_route(view_name, suffix, get_script_prefix())
    return f"{before}{pk}{after}"


def is_id(value: str) -> bool:
    """An id in a URL: ASCII digits only ("²" is a digit to Python, not to int())."""
    return value.isascii() and value.isdigit()


def strict_id(data) -> int | None:
    """The id `data` names (a JSON integer or a string of ASCII digits), or None for anything else."""
    if isinstance(data, bool):
        return None
    if isinstance(data, str) and is_id(data) and len(data) <= len(str(MAX_ID)):
        data = int(data)
    return data if isinstance(data, int) and not isinstance(data, bool) else None


class IdField(serializers.IntegerField):
    """An integer id, strictly: see `strict_id`."""

    default_error_messages = {"invalid": ID_MESSAGE, "max_value": "No object has this id."}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = strict_id(data)
        if value is None:
            self.fail("invalid")
        return super().to_internal_value(value)


class PrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related object by id, strictly (see `strict_id`); an id out of range names nothing."""

    default_error_messages = {"incorrect_type": ID_MESSAGE}

    def to_internal_value(self, data):
        value = strict_id(data)
        if value is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= value <= MAX_ID:
            self.fail("does_not_exist", pk_value=value)
        return super().to_internal_value(value)


def takes_strings_only(field) -> bool:
    """Text fields and choice fields whose choices are strings: DRF would turn 0 into "0"."""
    if isinstance(field, serializers.CharField):
        return True
    if type(field) is serializers.ChoiceField:
        return all(isinstance(choice, str) for choice in field.choices)
    return False


# Serializer class -> its fields as ModelSerializer builds them, never bound (copies are).
_FIELD_PROTOTYPES: dict[type, dict] = {}
# Fields holding other fields (a nested serializer, a list's child): binding one binds what it
# holds, so each request needs its own copy all the way down.
_NESTING_FIELDS = (serializers.BaseSerializer, serializers.ListField, serializers.DictField)


def _fresh(field):
    """A copy of a prototype field for one serializer instance.

    DRF deep-copies every declared field per instance, which rebuilds it from its arguments:
    a sixth of a Bearer GET's time. A shallow copy is enough for a plain field: binding sets
    attributes on the copy, and nothing here mutates what copies share (validators, choices,
    error messages) in place.
    """
    if isinstance(field, _NESTING_FIELDS):
        return copy.deepcopy(field)
    fresh = object.__new__(type(field))  # copy.copy, without its generic (and slow) protocol
    fresh.__dict__.update(field.__dict__)
    return fresh


class BaseSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, help_text="The database id of this object.")
    type = serializers.SerializerMethodField(help_text="The kind of object.")
    url = serializers.SerializerMethodField(help_text="The URL of this object.")
    related = serializers.SerializerMethodField(help_text="URLs of related objects.")
    summary_fields = serializers.SerializerMethodField(help_text="Short descriptions of related objects.")
    created = serializers.DateTimeField(read_only=True, help_text="When this object was created.")
    modified = serializers.DateTimeField(read_only=True, help_text="When this object was last modified.")

    base_fields = ("id", "type", "url", "related", "summary_fields", "created", "modified")
    serializer_related_field = PrimaryKeyField

    # Set by subclasses (the `type` is the model's type name, tokensvc/types.py).
    detail_view = ""
    # {"organization": ("id", "name", "description")}: summaries of foreign keys.
    summary = {}
    # {"actor": ("id", "username")}: the fields of related objects that lists may filter and
    # order on (tokensvc/api/filters.py). None means those of `summary`, which the caller is shown.
    filter_relations = None
    # Fields that may be written on create but never changed afterwards.
    immutable_fields = ()

    def get_fields(self):
        # ModelSerializer works its fields out of the model on every instance, i.e. on every
        # request; they depend on the class alone, so that is done once and copied after
        # (subclasses adjust their copy, e.g. to the instance).
        prototype = _FIELD_PROTOTYPES.get(type(self))
        if prototype is None:
            prototype = _FIELD_PROTOTYPES[type(self)] = super().get_fields()
        return {name: _fresh(field) for name, field in prototype.items()}

    def get_type(self, obj) -> str:
        return type_name(obj)

    def get_url(self, obj) -> str:
        return reverse_pk(self.detail_view, obj.pk)

    def get_related(self, obj) -> dict:
        return {}

    def get_summary_fields(self, obj) -> dict:
        result = {}
        for name, attrs in self.summary.items():
            target = getattr(obj, name, None)
            result[name] = None if target is None else {attr: getattr(target, attr) for attr in attrs}
        capabilities = self.get_user_capabilities(obj)
        if capabilities is not None:
            result["user_capabilities"] = capabilities
        return result

    def get_user_capabilities(self, obj) -> dict | None:
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return None
        model = obj._meta.model  # also right for a lazily loaded request.user
        return {
            "edit": bool(check(request, "change", model, obj)),
            "delete": bool(check(request, "delete", model, obj)),
        }

    # Input shape -------------------------------------------------------------

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            known = set(self.fields)
            unknown = sorted(key for key in data if key not in known and key != "csrfmiddlewaretoken")
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
            not_text = {
                name: ["Must be a string."]
                for name, field in self.fields.items()
                if not field.read_only
                and name in data
                and data[name] is not None
                and not isinstance(data[name], str)
                and takes_strings_only(field)
            }
            if not_text:
                raise serializers.ValidationError(not_text)
        elif data is not None:
            raise serializers.ValidationError({"detail": ["Expected a JSON object."]})
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            errors = {}
            for name in self.immutable_fields:
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    errors[name] = [f"{name} cannot be changed after creation."]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs
