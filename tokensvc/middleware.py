"""Refuse requests carrying NUL characters or undecodable form bodies, before any view or query sees them.

PostgreSQL cannot store or compare text containing NUL (U+0000); SQLite can. Either way no
name, id, search, credential or form value of this service legitimately holds one, so a NUL
anywhere a request puts text is refused here, for every route at once: in the path or query
string (raw or percent-encoded as %00), in a header or cookie, inside the decoded user name
or password of HTTP Basic credentials, or in a form field. A form or multipart body must
also be valid text in its charset (UTF-8 by default): Django would otherwise replace what
it cannot decode with U+FFFD and store the result.

Refusals are 400 with a JSON body: `{"detail": ...}`, or an OAuth error object on the
OAuth2 endpoints.
"""

import base64
import binascii
from urllib.parse import parse_qsl, unquote, unquote_plus

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse, UnreadablePostError

NUL = "\x00"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# Routes that answer errors as OAuth error objects (RFC 6749 section 5.2).
OAUTH_PREFIXES = ("/api/o/", "/.well-known/")


def _has_nul(text: str) -> bool:
    return NUL in text or NUL in unquote(text)


def _basic_credentials(header: str) -> str | None:
    """The decoded `user:password` of a Basic Authorization header, or None for another scheme."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = base64.b64decode(encoded.strip())
    except (binascii.Error, ValueError):
        return None  # malformed: the authentication classes answer it
    return raw.decode("latin-1")  # every byte maps to one character, so a NUL byte stays visible


def problem_in_headers(request) -> str | None:
    if _has_nul(request.path_info) or _has_nul(request.path):
        return "The URL path contains a NUL character."
    query = request.META.get("QUERY_STRING", "")
    if NUL in query or NUL in unquote_plus(query):
        return "The query string contains a NUL character."
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            name = key[5:].replace("_", "-").title()
            return f"The {name} header contains a NUL character."
    credentials = _basic_credentials(request.META.get("HTTP_AUTHORIZATION", ""))
    # OAuth2 clients form-encode their id and secret before encoding them (RFC 6749 section 2.3.1).
    if credentials is not None and (NUL in credentials or NUL in unquote_plus(credentials)):
        return "The credentials in the Authorization header contain a NUL character."
    if any(NUL in name or NUL in value for name, value in request.COOKIES.items()):
        return "A cookie contains a NUL character."
    return None


def problem_in_body(request) -> str | None:
    content_type = request.content_type or ""
    if content_type not in (FORM, MULTIPART) or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    try:
        body = request.body
    except (SuspiciousOperation, UnreadablePostError):
        # Over DATA_UPLOAD_MAX_MEMORY_SIZE: no endpoint takes files, so no form body may be that large.
        return f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes or unreadable."
    charset = request.content_params.get("charset") or settings.DEFAULT_CHARSET
    try:
        "".encode(charset)  # a text codec, not e.g. a decompressor
        text = body.decode(charset)
        fields = []
        if content_type == FORM:
            fields = parse_qsl(text, keep_blank_values=True, encoding=charset, errors="strict")
    except (LookupError, UnicodeError):
        return f"The {content_type} body is not valid {charset} text."
    for name, value in fields:
        if NUL in name or NUL in value:
            return f"The form field {name!r} contains a NUL character."
    if NUL in text:
        return "A form field contains a NUL character."
    return None


def refusal(request, message: str) -> JsonResponse:
    if request.path.startswith(OAUTH_PREFIXES):
        response = JsonResponse({"error": "invalid_request", "error_description": message}, status=400)
        response["Cache-Control"] = "no-store"
        return response
    return JsonResponse({"detail": message}, status=400)


class HostileInputMiddleware:
    """First in the stack: nothing after it (sessions, SSO, authentication, views) sees such input."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        message = problem_in_headers(request) or problem_in_body(request)
        if message:
            return refusal(request, message)
        return self.get_response(request)
