"""App config for runtime settings, which imports no other app but the activity stream it records to."""

from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"

    def ready(self):
        from tokensvc import types

        from . import access  # noqa: F401  (registers the access policy)
        from .models import ConfigValue

        types.register(ConfigValue, "setting")
