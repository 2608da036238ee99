"""Thin views for users, organizations and organization roles."""

from django.contrib.auth import update_session_auth_hash
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response

from tokensvc.api import viewsets
from tokensvc.secret_fields import SECRET_FIELDS

from . import services
from .models import Membership, Organization, User
from .roles import Perm, Role, roles_granting
from .serializers import OrganizationSerializer, UserSerializer


class UserViewMixin:
    access_model = User
    serializer_class = UserSerializer
    lookup_alternate = "username"
    search_fields = ("username", "first_name", "last_name", "email")


# Passwords sent as a form never reach an error report (DEBUG page, error email).
hide_secret_form_fields = method_decorator(sensitive_post_parameters(*sorted(SECRET_FIELDS)), name="dispatch")


@hide_secret_form_fields
class UserList(UserViewMixin, viewsets.ListCreateView):
    def create_object(self, data):
        return services.user_create(actor=self.request.user, **data)


@hide_secret_form_fields
class UserDetail(UserViewMixin, viewsets.DetailView):
    def update_object(self, instance, data):
        data = dict(data)
        current_password = data.pop("current_password", None)
        user = services.user_update(
            actor=self.request.user, user=instance, data=data, current_password=current_password
        )
        signed_in_by_session = isinstance(self.request.successful_authenticator, SessionAuthentication)
        if "password" in data and user.pk == self.request.user.pk and signed_in_by_session:
            # Changing your own password keeps your current browser session.
            update_session_auth_hash(self.request._request, user)
        return user

    def delete_object(self, instance):
        services.user_delete(actor=self.request.user, user=instance)


class Me(UserViewMixin, viewsets.ListView):
    """The requesting user, as a list of one (as Tower answers)."""

    def get_queryset(self):
        return super().get_queryset().filter(pk=self.request.user.pk)

    def list(self, request, *args, **kwargs):
        # Authentication already loaded the requester, who may always see themselves: answering
        # from it saves the count and list queries on the most frequent authenticated call.
        results = self.get_serializer([request.user], many=True).data
        return Response({"count": 1, "next": None, "previous": None, "results": results})


class OrganizationViewMixin:
    access_model = Organization
    serializer_class = OrganizationSerializer
    search_fields = ("name", "description")


class OrganizationList(OrganizationViewMixin, viewsets.ListCreateView):
    def create_object(self, data):
        return services.organization_create(actor=self.request.user, **data)


class OrganizationDetail(OrganizationViewMixin, viewsets.DetailView):
    def update_object(self, instance, data):
        return services.organization_update(actor=self.request.user, organization=instance, data=data)

    def delete_object(self, instance):
        services.organization_delete(actor=self.request.user, organization=instance)


class UserOrganizations(OrganizationViewMixin, viewsets.SubListView):
    """Organizations where user {pk} holds any role, as far as the requester sees them."""

    parent_model = User
    parent_lookup_alternate = "username"
    permission = Perm.VIEW_ORGANIZATION

    def filter_for_parent(self, queryset, parent):
        held = Membership.objects.filter(user=parent, role__in=roles_granting(self.permission))
        return queryset.filter(pk__in=held.values("organization_id"))


class UserAdminOfOrganizations(UserOrganizations):
    permission = Perm.MANAGE_MEMBERS


class OrganizationRoleUsers(UserViewMixin, viewsets.AssociationView):
    """Users holding a role in organization {pk}. Listing members includes admins."""

    parent_model = Organization
    role = Role.MEMBER
    relation = "users"

    def listed_roles(self) -> list[str]:
        """The roles that put a user in this list: the member list also shows admins."""
        return roles_granting(Perm.MEMBERSHIP) if self.role == Role.MEMBER else [self.role]

    def filter_for_parent(self, queryset, parent):
        holders = Membership.objects.filter(organization=parent, role__in=self.listed_roles()).values("user_id")
        return queryset.filter(pk__in=holders)

    def associate(self, parent, target):
        services.membership_grant(actor=self.request.user, organization=parent, user=target, role=self.role)

    def disassociate(self, parent, target):
        # Leaving a list means losing every role that puts the user in it.
        for role in self.listed_roles():
            services.membership_revoke(actor=self.request.user, organization=parent, user=target, role=role)


class OrganizationAdmins(OrganizationRoleUsers):
    role = Role.ADMIN
    relation = "admins"


class OrganizationAuditors(OrganizationRoleUsers):
    role = Role.AUDITOR
    relation = "auditors"
