"""Thin views for OAuth2 applications."""

from activity.api.views import ObjectActivityStream
from tokensvc.api import viewsets
from users.models import Membership, Organization, User
from users.roles import Perm, roles_granting

from . import services
from .models import Application
from .serializers import ApplicationSerializer, with_token_summary


class ApplicationViewMixin:
    access_model = Application
    serializer_class = ApplicationSerializer
    search_fields = ("name", "description")

    def get_queryset(self):
        return with_token_summary(super().get_queryset(), self.request)

    def create_object(self, data):
        created = services.application_create(actor=self.request.user, **data)
        application = created.application
        # Shown in this one response only; the stored secret is a hash.
        application.issued_client_secret = created.client_secret
        return application


class ApplicationList(ApplicationViewMixin, viewsets.ListCreateView):
    pass


class ApplicationDetail(ApplicationViewMixin, viewsets.DetailView):
    def update_object(self, instance, data):
        return services.application_update(actor=self.request.user, application=instance, data=data)

    def delete_object(self, instance):
        services.application_delete(actor=self.request.user, application=instance)


class OrganizationApplications(ApplicationViewMixin, viewsets.SubListCreateView):
    """Applications of organization {pk}; new ones are created in it."""

    parent_model = Organization

    def filter_for_parent(self, queryset, parent):
        return queryset.filter(organization=parent)

    def creation_defaults(self):
        return {"organization": self.get_parent()}

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organization": self.get_parent()}


class UserApplications(ApplicationViewMixin, viewsets.SubListCreateView):
    """Applications of the organizations where user {pk} holds a role, as far as the requester sees them.

    POST creates an application exactly as POST /applications/ does: the organization comes
    from the body, and only the requester's rights in it count. User {pk} only has to be
    visible to the requester (404 otherwise); the application does not depend on them.
    """

    parent_model = User
    parent_lookup_alternate = "username"

    def filter_for_parent(self, queryset, parent):
        held = Membership.objects.filter(user=parent, role__in=roles_granting(Perm.VIEW_APPLICATIONS))
        return queryset.filter(organization_id__in=held.values("organization_id"))


class ApplicationActivityStream(ObjectActivityStream):
    parent_model = Application
