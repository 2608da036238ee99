"""App config for tokens."""

from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"

    def ready(self):
        # Registers the access policies, and answers the signals of users and applications.
        from . import access, receivers  # noqa: F401
