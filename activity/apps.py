"""App config for the activity stream, which imports no other app: each app registers its types here."""

from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "activity"

    def ready(self):
        from tokensvc import types

        from . import access  # noqa: F401  (registers the access policy)
        from .models import ActivityEntry

        types.register(ActivityEntry, "activity_stream")
