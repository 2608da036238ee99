"""The Tower-shaped base serializer: id, type, url, related, summary_fields, created, modified.

Subclasses declare `related` links and `summary_fields` explicitly and make no queries of
their own: what they read must be joined by the access policy's `select_related`.
"""

from django.urls import reverse
from rest_framework import serializers

from .access import check

SECRET_PLACEHOLDER = "************"


class BaseSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, help_text="The database id of this object.")
    type = serializers.SerializerMethodField(help_text="The kind of object.")
    url = serializers.SerializerMethodField(help_text="The URL of this object.")
    related = serializers.SerializerMethodField(help_text="URLs of related objects.")
    summary_fields = serializers.SerializerMethodField(help_text="Short descriptions of related objects.")
    created = serializers.DateTimeField(read_only=True, help_text="When this object was created.")
    modified = serializers.DateTimeField(read_only=True, help_text="When this object was last modified.")

    base_fields = ("id", "type", "url", "related", "summary_fields", "created", "modified")

    # Set by subclasses.
    type_name = ""
    detail_view = ""
    # {"organization": ("id", "name", "description")}: summaries of foreign keys.
    summary = {}
    # {"actor": ("id", "username")}: the fields of related objects that lists may filter and
    # order on (tokensvc/api/filters.py). None means those of `summary`, which the caller is shown.
    filter_relations = None
    # Fields that may be written on create but never changed afterwards.
    immutable_fields = ()

    def get_type(self, obj) -> str:
        return self.type_name

    def get_url(self, obj) -> str:
        return reverse(self.detail_view, kwargs={"pk": obj.pk})

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
