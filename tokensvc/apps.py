"""App config for the project package, which owns the cross-cutting models."""

from django.apps import AppConfig


class TokensvcConfig(AppConfig):
    name = "tokensvc"
    verbose_name = "tokensvc"
