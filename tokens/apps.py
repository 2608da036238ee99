"""App config for tokens."""

from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"

    def ready(self):
        from activity import registry as activity_types
        from tokensvc import types
        from users.roles import Perm

        # Registers the access policies, and answers the signals of users and applications.
        from . import access, receivers  # noqa: F401
        from .models import AccessToken, OrganizationTokenPolicy
        from .serializers import token_any_status_url

        types.register(AccessToken, "o_auth2_access_token")
        # Tokens are revoked by tombstone, so the link finds them before and after their `delete`.
        activity_types.register(
            AccessToken,
            organization_permission=Perm.VIEW_APPLICATION_TOKENS,
            link=token_any_status_url,
            link_after_delete=True,
        )
        types.register(OrganizationTokenPolicy, "organization_token_policy")
        # Whoever reads an organization's token policy reads its changes; the entry names the policy's row.
        activity_types.register(OrganizationTokenPolicy, organization_permission=Perm.VIEW_ORGANIZATION)
