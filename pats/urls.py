"""Routes of the PAT lifecycle dialect, below `/{organization}/_apis/`; resource names match case-insensitively."""

from django.urls import re_path

from . import discovery, tokenadmin

ORGANIZATION = r"^(?P<organization>[^/]+)/_apis/"

urlpatterns: list = []

# Route discovery and the token admin API ------------------------------------------------
urlpatterns += [
    # `{org}/_apis`, with or without the trailing slash (the official client sends none).
    re_path(ORGANIZATION + r"?$", discovery.ResourceLocations.as_view(), name="pats_discovery"),
    re_path(
        ORGANIZATION + r"(?i:tokenadmin/personalaccesstokens)(?:/(?P<member>[^/]+))?/?$",
        tokenadmin.PersonalAccessTokens.as_view(),
        name="pats_tokenadmin_personalaccesstokens",
    ),
    re_path(
        ORGANIZATION + r"(?i:tokenadmin/revocations)/?$",
        tokenadmin.Revocations.as_view(),
        name="pats_tokenadmin_revocations",
    ),
    re_path(
        ORGANIZATION + r"(?i:tokenadmin/revocationrules)/?$",
        tokenadmin.RevocationRules.as_view(),
        name="pats_tokenadmin_revocationrules",
    ),
]
