"""Tower-style OPTIONS metadata: readable fields under GET, writable ones under POST/PUT.

POST and PUT appear only when the requester may use them; the decision is DRF's own
permission replay, which runs the same `check()` as the real request.

Field descriptions use Tower's vocabulary, which Tower clients (the awx CLI) build their
arguments from: a related object is of type "id", and `choices` are `[value, label]` pairs.
"""

import types
import typing

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import NOT_PROVIDED
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.fields import empty
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request

from .filters import policy_for

# How the return annotation of a SerializerMethodField reads in metadata.
METHOD_FIELD_TYPES = {str: "string", dict: "object", list: "list", int: "integer", bool: "boolean"}


class Metadata(SimpleMetadata):
    def determine_actions(self, request, view):
        """POST and PUT, each only when the requester may use it; PUT describes the object itself."""
        actions = {}
        for method in ("POST", "PUT"):
            if method not in view.allowed_methods:
                continue
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
                instance = view.get_object() if method == "PUT" and hasattr(view, "get_object") else None
            except (exceptions.APIException, PermissionDenied, Http404):
                continue
            else:
                serializer = view.get_serializer(instance) if instance is not None else view.get_serializer()
                actions[method] = self.get_serializer_info(serializer)
            finally:
                view.request = request
        return actions

    def determine_metadata(self, request, view):
        if getattr(view, "object_scoped", False):
            # Describing an object you may not see would confirm that it exists: 404 instead.
            if hasattr(view, "get_parent"):
                view.get_parent()
            elif hasattr(view, "get_object"):
                view.get_object()
        metadata = super().determine_metadata(request, view)
        actions = metadata.setdefault("actions", {})
        if hasattr(view, "get_serializer") and getattr(view, "access_model", None) is not None:
            serializer = view.get_serializer()
            if isinstance(serializer, serializers.ModelSerializer):
                actions["GET"] = self.readable_fields(serializer, view.access_model)
        for method in ("POST", "PUT"):
            if method in actions:
                actions[method] = {name: info for name, info in actions[method].items() if not info.get("read_only")}
        if not actions:
            metadata.pop("actions")
        if getattr(view, "search_fields", None):
            metadata["search_fields"] = list(view.search_fields)
        return metadata

    def readable_fields(self, serializer, model) -> dict:
        # "filterable" is the filter backend's own allow-list, so the two cannot disagree.
        filterable = policy_for(type(serializer), model).fields
        result = {}
        for name, field in serializer.fields.items():
            if field.write_only:
                continue
            info = self.get_field_info(field)
            for key in ("required", "read_only", "default"):
                info.pop(key, None)
            info["filterable"] = name in filterable
            result[name] = info
        return result

    def get_field_info(self, field):
        info = super().get_field_info(field)
        if isinstance(field, serializers.SerializerMethodField):
            info["type"] = self.method_field_type(field)
        elif isinstance(field, serializers.RelatedField):
            info["type"] = "id"
        else:
            # A custom field names what it takes where DRF would only say "field".
            info["type"] = getattr(field, "metadata_type", info["type"])
        if "choices" in info:
            info["choices"] = [[choice["value"], choice["display_name"]] for choice in info["choices"]]
        info.setdefault("help_text", "")
        if not field.read_only:
            default = field.default
            if default is empty:
                default = self.model_default(field)
            if default is not empty and not callable(default):
                info["default"] = default
        return info

    @staticmethod
    def method_field_type(field) -> str:
        """The declared return type of the field's method: `-> dict` reads as "object"."""
        hint = None
        # An override without an annotation inherits the declared type of the method it overrides.
        for cls in type(field.parent).__mro__:
            method = cls.__dict__.get(field.method_name)
            try:
                hint = typing.get_type_hints(method).get("return") if method else None
            except (NameError, TypeError):
                hint = None
            if hint is not None:
                break
        options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
        for option in options:
            name = METHOD_FIELD_TYPES.get(typing.get_origin(option) or option)
            if name:
                return name
        return "field"

    @staticmethod
    def model_default(field):
        """The model field's default, which ModelSerializer does not copy onto the serializer field."""
        meta = getattr(getattr(field, "parent", None), "Meta", None)
        model = getattr(meta, "model", None)
        if model is None or not field.source or field.source == "*":
            return empty
        try:
            model_field = model._meta.get_field(field.source)
        except FieldDoesNotExist:
            return empty
        if model_field.default is NOT_PROVIDED:
            return empty
        return model_field.default
