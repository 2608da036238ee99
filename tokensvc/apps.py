"""App config for the project package, which owns the cross-cutting models."""

from django.apps import AppConfig


class TokensvcConfig(AppConfig):
    name = "tokensvc"
    verbose_name = "tokensvc"

    def ready(self):
        # Register the policies of the project-level resources with the access registry.
        from . import activity_api, settings_api  # noqa: F401
