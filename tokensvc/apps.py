"""App config for the project package; it keeps the migrations that first created the activity and settings tables."""

from django.apps import AppConfig


class TokensvcConfig(AppConfig):
    name = "tokensvc"
    verbose_name = "tokensvc"
