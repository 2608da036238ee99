"""App config for users and organizations."""

from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"

    def ready(self):
        from . import access  # noqa: F401  (registers the access policies)
