"""Routes of the PAT lifecycle dialect, below `/{organization}/_apis/`; resource names match case-insensitively."""

from django.urls import re_path

from . import discovery, lifecycle, tokenadmin

ORGANIZATION = r"^(?P<organization>[^/]+)/_apis/"


def case_insensitive(path: str) -> str:
    """A regex matching `path` in any case, spelled with classes (`[tT]...`): Django cannot reverse `(?i:...)`.

    Reversing picks each class's first character, so the lower-case spelling comes back.
    """
    return "".join(f"[{char.lower()}{char.upper()}]" if char.isalpha() else char for char in path)


urlpatterns: list = [
    # `{org}/_apis`, with or without the trailing slash (the official client sends none).
    re_path(ORGANIZATION + r"?\Z", discovery.ResourceLocations.as_view(), name="pats_discovery"),
    # The seed service's own documentation spells it `Tokens/Pats`; a trailing slash is tolerated.
    re_path(
        ORGANIZATION + case_insensitive("tokens/pats") + r"/?\Z",
        lifecycle.PersonalAccessTokens.as_view(),
        name="pat_lifecycle",
    ),
    # The token admin API, for the organization's administrators.
    re_path(
        ORGANIZATION + case_insensitive("tokenadmin/personalaccesstokens") + r"(?:/(?P<member>[^/]+))?/?\Z",
        tokenadmin.PersonalAccessTokens.as_view(),
        name="pats_tokenadmin_personalaccesstokens",
    ),
    re_path(
        ORGANIZATION + case_insensitive("tokenadmin/revocations") + r"/?\Z",
        tokenadmin.Revocations.as_view(),
        name="pats_tokenadmin_revocations",
    ),
    re_path(
        ORGANIZATION + case_insensitive("tokenadmin/revocationrules") + r"/?\Z",
        tokenadmin.RevocationRules.as_view(),
        name="pats_tokenadmin_revocationrules",
    ),
]
