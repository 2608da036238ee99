"""Read-only views of the activity stream: all of it, one entry, and the entries about one object."""

from tokensvc.api import viewsets
from tokensvc.types import type_name

from ..models import ActivityEntry
from .serializers import ActivityEntrySerializer


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
    """The entries about one object, visible when the object is.

    An app mounts it under its own detail route with its `parent_model` (and, where the
    object's history outlives it, a `parent_queryset` that finds it).
    """

    def filter_for_parent(self, queryset, parent):
        return queryset.filter(object_type=type_name(self.parent_model), object_id=parent.pk)
