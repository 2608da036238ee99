"""App config for the OAuth2 protocol glue (no models)."""

from django.apps import AppConfig


class OauthConfig(AppConfig):
    name = "oauth"

    def ready(self):
        # Registers how the API's authentication classes appear in the OpenAPI schema.
        from . import openapi  # noqa: F401
