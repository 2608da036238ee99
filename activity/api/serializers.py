"""The Tower shape of an activity stream entry; `related.object` links as the entry's type registered."""

from django.urls import reverse
from rest_framework import serializers

from tokensvc.api.serializers import BaseSerializer

from .. import registry
from ..models import ActivityEntry


class ActivityEntrySerializer(BaseSerializer):
    detail_view = "activity_stream_detail"

    # The summary of the actor is built by hand; lists follow it only as far as it shows.
    filter_relations = {"actor": ("id", "username")}

    # Entries have a timestamp, not created/modified.
    created = None
    modified = None
    object1 = serializers.CharField(source="object_type", read_only=True, help_text="The same as object_type.")

    class Meta:
        model = ActivityEntry
        fields = (
            "id",
            "type",
            "url",
            "related",
            "summary_fields",
            "timestamp",
            "operation",
            "object_type",
            "object1",
            "object_id",
            "object_repr",
            "changes",
        )
        read_only_fields = fields

    def get_related(self, obj):
        related = {}
        if obj.actor_id:
            related["actor"] = reverse("user_detail", kwargs={"pk": obj.actor_id})
        object_type = registry.lookup(obj.object_type)
        # A deleted object has no detail to link to, unless its type keeps a tombstone the link finds.
        linked = object_type is not None and object_type.link is not None and obj.object_id is not None
        if linked and (object_type.link_after_delete or obj.operation != ActivityEntry.Operation.DELETE):
            link = object_type.link(obj.object_id)
            if link is not None:
                related["object"] = link
        return related

    def get_summary_fields(self, obj):
        result = {}
        if obj.actor_id:
            result["actor"] = {"id": obj.actor_id, "username": obj.actor.username}
        elif obj.actor_username:
            # The account is gone; the name it had is kept.
            result["actor"] = {"id": None, "username": obj.actor_username}
        return result
