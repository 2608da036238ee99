"""Tower-style OPTIONS metadata: readable fields under GET, writable ones under POST/PUT.

POST and PUT appear only when the requester may use them; the decision is DRF's own
permission replay, which runs the same `check()` as the real request.
"""

from django.core.exceptions import FieldDoesNotExist
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.metadata import SimpleMetadata

from .filters import SECRET_FIELDS


class Metadata(SimpleMetadata):
    def determine_metadata(self, request, view):
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
        result = {}
        for name, field in serializer.fields.items():
            if field.write_only:
                continue
            info = self.get_field_info(field)
            for key in ("required", "read_only", "default"):
                info.pop(key, None)
            info["filterable"] = self.is_filterable(model, field, name)
            result[name] = info
        return result

    @staticmethod
    def is_filterable(model, field, name) -> bool:
        source = field.source if field.source and field.source != "*" else name
        if source in SECRET_FIELDS or name in SECRET_FIELDS:
            return False
        try:
            model_field = model._meta.get_field(source.split(".")[0])
        except FieldDoesNotExist:
            return False
        return not (model_field.many_to_many or model_field.one_to_many)

    def get_field_info(self, field):
        info = super().get_field_info(field)
        if not field.read_only:
            default = field.default
            if default is not empty and not callable(default):
                info["default"] = default
        return info
