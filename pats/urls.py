"""Routes of the PAT lifecycle dialect, below `/{organization}/_apis/`; resource names match case-insensitively."""

from django.urls import re_path  # noqa: F401  (the routes below are added with re_path)

ORGANIZATION = r"^(?P<organization>[^/]+)/_apis/"

urlpatterns: list = []
