"""App config for the OAuth2 protocol glue (no models)."""

from django.apps import AppConfig


class OauthConfig(AppConfig):
    name = "oauth"
