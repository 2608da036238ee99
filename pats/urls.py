"""Routes of the PAT lifecycle dialect, below `/{organization}/_apis/`; resource names match case-insensitively."""

from django.urls import re_path

from . import lifecycle

ORGANIZATION = r"^(?P<organization>[^/]+)/_apis/"

urlpatterns: list = [
    # The seed service's own documentation spells it `Tokens/Pats`; a trailing slash is tolerated.
    re_path(ORGANIZATION + r"(?i:tokens/pats)/?\Z", lifecycle.PersonalAccessTokens.as_view(), name="pat_lifecycle"),
]
