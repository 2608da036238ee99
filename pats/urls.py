"""Routes of the PAT lifecycle dialect, below `/{organization}/_apis/`; resource names match case-insensitively."""

from django.urls import re_path

from . import discovery, tokenadmin

ORGANIZATION = r"^(?P<organization>[^/]+)/_apis/"

urlpatterns: list = []

# Route discovery and the token admin API ------------------------------------------------


def _any_case(path: str) -> str:
    # `[tT][oO]...` rather than an inline `(?i:...)` flag, which Django's reverse() refuses
    # for every route of the project once it meets one.
    return "".join(f"[{char.lower()}{char.upper()}]" if char.isalpha() else char for char in path)


urlpatterns += [
    # `{org}/_apis`, with or without the trailing slash (the official client sends none).
    re_path(ORGANIZATION + r"?$", discovery.ResourceLocations.as_view(), name="pats_discovery"),
    re_path(
        ORGANIZATION + _any_case("tokenadmin/personalaccesstokens") + r"(?:/(?P<member>[^/]+))?/?$",
        tokenadmin.PersonalAccessTokens.as_view(),
        name="pats_tokenadmin_personalaccesstokens",
    ),
    re_path(
        ORGANIZATION + _any_case("tokenadmin/revocations") + "/?$",
        tokenadmin.Revocations.as_view(),
        name="pats_tokenadmin_revocations",
    ),
    re_path(
        ORGANIZATION + _any_case("tokenadmin/revocationrules") + "/?$",
        tokenadmin.RevocationRules.as_view(),
        name="pats_tokenadmin_revocationrules",
    ),
]
