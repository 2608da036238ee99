"""App config for the project package; it keeps the migrations that first created the activity and settings tables."""

from django.apps import AppConfig
from django.core.signals import got_request_exception


class TokensvcConfig(AppConfig):
    name = "tokensvc"
    verbose_name = "tokensvc"

    def ready(self):
        from . import outage

        # Marks a request whose uncaught exception meant an unreachable database (tokensvc/outage.py).
        got_request_exception.connect(outage.mark_request, dispatch_uid="tokensvc.outage.mark_request")
