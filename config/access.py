"""Who may read and change runtime settings: one policy."""

from tokensvc.access import BaseAccess, Decision, register

from .models import ConfigValue


@register
class SettingAccess(BaseAccess):
    """Runtime settings.

    - A system administrator reads and changes every setting.
    - A system auditor reads every setting and changes none.
    - Nobody else reads or changes settings; nobody creates or deletes them through the API.
    """

    model = ConfigValue

    def visible(self):
        if self.sees_everything:
            return ConfigValue.objects.all()
        return ConfigValue.objects.none()

    def can_view(self, obj=None, data=None):
        return Decision.when(self.sees_everything, "Only a system administrator or system auditor can read settings.")

    def can_change(self, obj=None, data=None):
        return Decision.when(self.is_superuser, "Only a system administrator can change settings.")
