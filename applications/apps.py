"""App config for OAuth2 applications."""

from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"

    def ready(self):
        from activity import registry as activity_types
        from tokensvc import types
        from users.roles import Perm

        from . import access  # noqa: F401  (registers the access policies)
        from .models import Application

        types.register(Application, "o_auth2_application")
        activity_types.register(
            Application,
            organization_permission=Perm.VIEW_APPLICATIONS,
            link=activity_types.detail_link("application_detail"),
        )
