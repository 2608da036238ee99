"""App config for tokens."""

from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"

    def ready(self):
        from . import access  # noqa: F401  (registers the access policies)
