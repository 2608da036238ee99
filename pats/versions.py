"""`api-version`: required on every call, from the query string or the `Accept` header's parameter.

Clients of this dialect send it either way: scripts put `?api-version=7.1-preview.1` in the
URL, the official client sends `Accept: application/json;api-version=7.1-preview.1`. A value
outside ACCEPTED is refused with a 400 that lists them.
"""

from django.http import HttpRequest

ACCEPTED = ("6.1-preview", "7.1-preview.1", "7.2-preview.1", "7.1-preview", "7.2-preview")

PARAMETER = "api-version"


class VersionError(Exception):
    """The request names no version, or one this server does not speak."""


def _from_accept(header: str) -> str | None:
    # `Accept: application/json;api-version=7.1-preview.1` (possibly among other media ranges).
    for media_range in header.split(","):
        for parameter in media_range.split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == PARAMETER:
                return value.strip().strip('"')
    return None


def requested(request: HttpRequest) -> str:
    """The api-version the request asks for; VersionError when it is missing or not accepted."""
    values = request.GET.getlist(PARAMETER)
    if len(values) > 1:
        raise VersionError(f"Give {PARAMETER} once; accepted values: {', '.join(ACCEPTED)}.")
    version = values[0] if values else _from_accept(request.META.get("HTTP_ACCEPT", ""))
    if not version:
        raise VersionError(
            f"The {PARAMETER} parameter is required, in the query string or the Accept header; "
            f"accepted values: {', '.join(ACCEPTED)}."
        )
    if version not in ACCEPTED:
        raise VersionError(
            f"The requested {PARAMETER} '{version[:40]}' is not supported; accepted values: {', '.join(ACCEPTED)}."
        )
    return version
