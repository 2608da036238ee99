"""App config for the PAT lifecycle dialect (no models)."""

from django.apps import AppConfig


class PatsConfig(AppConfig):
    name = "pats"
    verbose_name = "PAT lifecycle API"
