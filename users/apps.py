"""App config for users and organizations."""

from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"

    def ready(self):
        from activity import registry as activity_types
        from tokensvc import types

        from . import access  # noqa: F401  (registers the access policies)
        from .models import Organization, User
        from .roles import Perm

        types.register(User, "user")
        types.register(Organization, "organization")
        # Entries about users and organizations are read by anyone with a role in the organization.
        activity_types.register(
            User, organization_permission=Perm.VIEW_ORGANIZATION, link=activity_types.detail_link("user_detail")
        )
        activity_types.register(
            Organization,
            organization_permission=Perm.VIEW_ORGANIZATION,
            link=activity_types.detail_link("organization_detail"),
        )
