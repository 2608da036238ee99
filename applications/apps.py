"""App config for OAuth2 applications."""

from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"

    def ready(self):
        from . import access  # noqa: F401  (registers the access policies)
