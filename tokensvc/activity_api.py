"""The activity stream over the API: its access policy, serializer and read-only views."""

import contextlib

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from rest_framework import serializers

from applications.models import Application
from tokens.models import AccessToken
from tokens.serializers import token_any_status_url
from users.roles import Perm

from . import access
from .access import BaseAccess, register
from .api import viewsets
from .api.serializers import BaseSerializer
from .models import ActivityEntry

# Which organization permission lets someone read entries about an object of each type.
ORGANIZATION_PERMISSION_BY_TYPE = {
    "o_auth2_application": Perm.VIEW_APPLICATIONS,
    "o_auth2_access_token": Perm.VIEW_APPLICATION_TOKENS,
}
# The detail route of each object type, for `related.object` (types without one get no link).
DETAIL_ROUTES = {
    "user": "user_detail",
    "organization": "organization_detail",
    "o_auth2_application": "application_detail",
}
TOKEN_TYPE = "o_auth2_access_token"


@register
class ActivityEntryAccess(BaseAccess):
    """Activity stream entries. Nobody creates, changes or deletes them through the API.

    - A system administrator or system auditor sees every entry.
    - Anyone else sees the entries where they are the actor or the user concerned, and the
      entries about an organization's objects where they may see those objects: entries
      about applications in organizations where they see applications, about tokens in
      organizations where they see application tokens, and about anything else in
      organizations where they hold any role.
    """

    model = ActivityEntry
    select_related = ("actor",)

    def visible(self):
        entries = ActivityEntry.objects.all()
        if self.sees_everything:
            return entries
        concerns_me = Q(actor_id=self.user.pk) | Q(subject_user_id=self.user.pk)
        by_organization = Q(
            organization_id__in=self.org_ids_query(Perm.VIEW_ORGANIZATION),
        ) & ~Q(object_type__in=list(ORGANIZATION_PERMISSION_BY_TYPE))
        for object_type, permission in ORGANIZATION_PERMISSION_BY_TYPE.items():
            by_organization |= Q(object_type=object_type, organization_id__in=self.org_ids_query(permission))
        return entries.filter(concerns_me | by_organization)


class ActivityEntrySerializer(BaseSerializer):
    type_name = "activity_stream"
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
        route = DETAIL_ROUTES.get(obj.object_type)
        if obj.object_type == TOKEN_TYPE and obj.object_id is not None:
            # Tokens are revoked by tombstone, so this link finds them before and after.
            related["object"] = token_any_status_url(obj.object_id)
        elif route and obj.object_id is not None and obj.operation != ActivityEntry.Operation.DELETE:
            # A type whose routes are not installed simply gets no link.
            with contextlib.suppress(NoReverseMatch):
                related["object"] = reverse(route, kwargs={"pk": obj.object_id})
        return related

    def get_summary_fields(self, obj):
        result = {}
        if obj.actor_id:
            result["actor"] = {"id": obj.actor_id, "username": obj.actor.username}
        elif obj.actor_username:
            # The account is gone; the name it had is kept.
            result["actor"] = {"id": None, "username": obj.actor_username}
        return result


class ReadOnlyMixin:
    """Entries are read-only: these views serve GET only, so any write method is a 405."""

    access_model = ActivityEntry
    serializer_class = ActivityEntrySerializer
    search_fields = ("object_repr", "actor__username")


class ActivityStreamList(ReadOnlyMixin, viewsets.ListView):
    pass


class ActivityStreamDetail(ReadOnlyMixin, viewsets.ReadOnlyDetailView):
    pass


class ObjectActivityStream(ReadOnlyMixin, viewsets.SubListView):
    """The entries about one object, visible when the object is."""

    object_type = ""

    def filter_for_parent(self, queryset, parent):
        return queryset.filter(object_type=self.object_type, object_id=parent.pk)


class ApplicationActivityStream(ObjectActivityStream):
    parent_model = Application
    object_type = "o_auth2_application"


class TokenActivityStream(ObjectActivityStream):
    parent_model = AccessToken
    object_type = "o_auth2_access_token"

    def parent_queryset(self):
        # A revoked token's history stays readable to whoever could see the token.
        return access.visible(self.request, AccessToken, include_revoked=True)
