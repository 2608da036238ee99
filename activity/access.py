"""Who may read the activity stream: one policy, over the object types the apps registered (activity/registry.py)."""

from collections import defaultdict

from django.db.models import Q

from tokensvc.access import BaseAccess, register

from . import registry
from .models import ActivityEntry


@register
class ActivityEntryAccess(BaseAccess):
    """Activity stream entries. Nobody creates, changes or deletes them through the API.

    - A system administrator or system auditor sees every entry.
    - Anyone else sees the entries where they are the actor or the user concerned, and the
      entries about an organization's objects where they may see those objects: each app
      registers, for each of its object types, the organization permission that reads
      entries about it (applications: seeing applications; tokens: seeing application
      tokens; users and organizations: any role in the organization).
    - A token bound to an organization reaches the entries about that organization's objects only.
    """

    model = ActivityEntry
    select_related = ("actor",)

    def bound(self, queryset, organization_id):
        return queryset.filter(organization_id=organization_id)

    def visible(self):
        entries = ActivityEntry.objects.all()
        if self.sees_everything:
            return entries
        names_by_permission = defaultdict(list)
        for name, object_type in registry.registered().items():
            names_by_permission[object_type.organization_permission].append(name)
        readable = Q(actor_id=self.user.pk) | Q(subject_user_id=self.user.pk)
        for permission, names in names_by_permission.items():
            readable |= Q(object_type__in=names, organization_id__in=self.org_ids_query(permission))
        return entries.filter(readable)
