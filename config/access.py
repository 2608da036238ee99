"""Who may read and change runtime settings: one policy."""

from tokensvc.access import BaseAccess, Decision, register

from .models import ConfigValue


@register
class SettingAccess(BaseAccess):
    """Runtime settings.

    - A system administrator reads and changes every setting.
    - A system auditor reads every setting and changes none.
    - Nobody else reads or changes settings; nobody creates or deletes them through the API.
    - Settings belong to the whole system: a token bound to an organization neither reads
      nor changes them, whoever holds it.
    """

    model = ConfigValue

    BOUND_MESSAGE = "Settings belong to the whole system: a token bound to an organization cannot read or change them."

    def bound(self, queryset, organization_id):
        return queryset.none()

    def binding_denial(self, action, obj, data, organization_id):
        return self.BOUND_MESSAGE

    def visible(self):
        if self.sees_everything:
            return ConfigValue.objects.all()
        return ConfigValue.objects.none()

    def can_view(self, obj=None, data=None):
        return Decision.when(self.sees_everything, "Only a system administrator or system auditor can read settings.")

    def can_change(self, obj=None, data=None):
        return Decision.when(self.is_superuser, "Only a system administrator can change settings.")
