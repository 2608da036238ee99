"""Access policy for OAuth2 applications, registered into the access core; every `can_*` returns a Decision."""

from tokensvc.access import BaseAccess, Decision, register
from users.roles import Perm

from .models import Application


@register
class ApplicationAccess(BaseAccess):
    """OAuth2 applications.

    - A system administrator or system auditor sees every application; anyone else sees
      the applications of the organizations where they are an admin, member or auditor.
    - A system administrator creates, changes and deletes any application. An admin of an
      organization creates applications in it, and changes and deletes its applications.
    - Nobody else creates, changes or deletes applications.
    - Only a system administrator marks an application as a resource server
      (`is_resource_server`, which lets it introspect tokens issued to others) or unmarks
      it; anyone else who sends a value other than the current one is refused, naming the
      field, whichever way the application is created or changed.
    - A token bound to an organization reaches that organization's applications, and
      creates applications in it only.
    """

    model = Application
    select_related = ("organization",)

    def bound(self, queryset, organization_id):
        return queryset.filter(organization_id=organization_id)

    def binding_denial(self, action, obj, data, organization_id):
        organization = (data or {}).get("organization")
        if action == "add" and organization is not None and organization.pk != organization_id:
            return "A token bound to an organization creates applications in that organization only."
        return None

    def visible(self):
        applications = Application.objects.all()
        if self.sees_everything:
            return applications
        return applications.filter(organization_id__in=self.org_ids_query(Perm.VIEW_APPLICATIONS))

    def _manages(self, organization_id) -> bool:
        return organization_id in self.org_ids(Perm.MANAGE_APPLICATIONS)

    RESOURCE_SERVER_DENIAL = "Only a system administrator can set is_resource_server."

    def _resource_server_denial(self, obj, data) -> str | None:
        if self.is_superuser or not data or "is_resource_server" not in data:
            return None
        current = obj.is_resource_server if obj is not None else False
        if bool(data["is_resource_server"]) != current:
            return self.RESOURCE_SERVER_DENIAL
        return None

    def can_add(self, obj=None, data=None):
        if self.is_superuser:
            return Decision.allow()
        denial = self._resource_server_denial(None, data)
        if denial:
            return Decision.deny(denial)
        organization = (data or {}).get("organization")
        if organization is None:
            # Asked before the body is read: anyone who administers some organization may try.
            administers_some = bool(self.org_ids(Perm.MANAGE_APPLICATIONS))
            return Decision.when(administers_some, "Only an admin of an organization can create applications.")
        return Decision.when(
            self._manages(organization.pk), "You can create applications only in organizations you administer."
        )

    def can_change(self, obj=None, data=None):
        return self._changes(obj, data)

    def can_delete(self, obj=None, data=None):
        return self._changes(obj, data)

    def _changes(self, obj, data) -> Decision:
        """Changing and deleting follow one rule: a system administrator, or an admin of its organization."""
        if self.is_superuser:
            return Decision.allow()
        if obj is None or not self._manages(obj.organization_id):
            return Decision.deny()
        denial = self._resource_server_denial(obj, data)
        return Decision.deny(denial) if denial else Decision.allow()
