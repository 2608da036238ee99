"""Refuse requests carrying NUL characters, undecodable text or encodings that hide them, before any view sees them.

PostgreSQL cannot store or compare text containing NUL (U+0000); SQLite can. Either way no
name, id, search, credential or form value of this service legitimately holds one, so a NUL
anywhere a request puts text is refused here, for every route at once: in the path or query
string (raw or percent-encoded as %00), in a header or cookie, inside the decoded user name
or password of HTTP Basic credentials, or in a form field. The query string and a form or
multipart body must also be valid text in their charset (UTF-8 by default): Django would
otherwise replace what it cannot decode with U+FFFD and search, filter or store the result.

Django decodes the query string and form bodies in the charset a request declares in its
Content-Type, on every method, GET included: a codec such as `unicode_escape` or `utf-7`
turns harmless-looking bytes into NUL characters or lone surrogates after the checks above.
So a declared charset must be one of ACCEPTED_CHARSETS, and what Django decoded is checked
again. A multipart part may not declare a Content-Transfer-Encoding (base64 would carry
bytes past the check of the body's text): no endpoint needs one.

Refusals are 400 with a JSON body: `{"detail": ...}`, or an OAuth error object on the
OAuth2 endpoints.
"""

import base64
import binascii
import codecs
import io
import re
from urllib.parse import parse_qsl, unquote, unquote_plus, unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import JsonResponse, UnreadablePostError

# django-stubs leaves out `exhaust` and types LazyStream's producer as Django's own iterators,
# though any iterator of bytes serves.
from django.http.multipartparser import LazyStream, MultiPartParserError, Parser, exhaust  # type: ignore[attr-defined]

from .errors import error_response, refusal_message

NUL = "\x00"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# Python's names for the charsets a request may declare; `codecs.lookup` maps each alias
# (utf8, UTF-8, us-ascii, iso-8859-1, latin1, ...) to one of them.
ACCEPTED_CHARSETS = frozenset({"utf-8", "ascii", "iso8859-1"})
# What a multipart part may say about its transfer encoding: only that there is none.
IDENTITY_TRANSFER_ENCODINGS = frozenset({"7bit", "8bit", "binary"})


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


def problem_in_charset(request) -> str | None:
    charset = request.content_params.get("charset")
    if charset is None:
        return None
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        name = None
    if name not in ACCEPTED_CHARSETS:
        return (
            f"The charset {charset[:40]!r} of the Content-Type is not accepted: use UTF-8, US-ASCII or ISO-8859-1. "
            "Other codecs can turn text into NUL characters or lone surrogates."
        )
    return None


def _problem_in_text(kind: str, name: str, value: str) -> str | None:
    if NUL in name or NUL in value:
        return f"The {kind} {name[:80]!r} contains a NUL character."
    if LONE_SURROGATE.search(name) or LONE_SURROGATE.search(value):
        return f"The {kind} {name[:80]!r} contains a lone surrogate (U+D800-U+DFFF), which is not valid text."
    return None


def problem_in_query_text(request) -> str | None:
    """A query string that is not valid text in its charset: Django would read U+FFFD in place of the bytes."""
    raw = get_bytes_from_wsgi(request.environ, "QUERY_STRING", "")
    if not raw:
        return None
    charset = request.encoding or settings.DEFAULT_CHARSET
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode(charset)
    except (LookupError, UnicodeError):
        return f"The query string is not valid {charset} text."
    return None


def problem_in_query(request) -> str | None:
    """What Django decoded from the query string, in the declared charset, past DATA_UPLOAD_MAX_NUMBER_FIELDS."""
    if message := problem_in_query_text(request):
        return message
    try:
        params = list(request.GET.lists())
    except (SuspiciousOperation, BadRequest) as error:
        return refusal_message(error)
    for name, values in params:
        for value in values:
            if message := _problem_in_text("query parameter", name, value):
                return message
    return None


def problem_in_transfer_encoding(request, body: bytes) -> str | None:
    """A multipart part declaring a transfer encoding, read with Django's own multipart parser."""
    boundary = request.content_params.get("boundary", "")
    if not boundary:
        return None  # Django's parser refuses it
    try:
        parts = Parser(LazyStream(io.BytesIO(body)), boundary.encode("latin-1"))  # type: ignore[arg-type]
        for _, headers, stream in parts:
            encoding = headers.get("content-transfer-encoding")
            exhaust(stream)
            if encoding is not None and encoding[0].strip().lower() not in IDENTITY_TRANSFER_ENCODINGS:
                return "A multipart part declares a Content-Transfer-Encoding; parts must be sent as plain text."
    except (MultiPartParserError, UnicodeError):
        return "The multipart/form-data body is malformed."
    return None


def problem_in_form_fields(request, charset: str) -> str | None:
    """What Django decoded from a POSTed form body (Django parses forms only for POST).

    Django refuses a urlencoded form in another charset than UTF-8 when it is read (answered
    as JSON by tokensvc.errors); DRF's views read it in its charset, as checked above.
    """
    if request.method != "POST":
        return None
    if request.content_type == FORM and codecs.lookup(charset).name != "utf-8":
        return None
    try:
        fields = list(request.POST.lists())
    except (SuspiciousOperation, BadRequest, MultiPartParserError) as error:
        return refusal_message(error)
    for name, values in fields:
        for value in values:
            if message := _problem_in_text("form field", name, value):
                return message
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
    if content_type == MULTIPART and (message := problem_in_transfer_encoding(request, body)):
        return message
    return problem_in_form_fields(request, charset)


def refusal(request, message: str) -> JsonResponse:
    return error_response(request, 400, message)


class HostileInputMiddleware:
    """Before sessions, SSO, authentication and views: none of them sees such input."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        message = (
            problem_in_headers(request)
            or problem_in_charset(request)
            or problem_in_query(request)
            or problem_in_body(request)
        )
        if message:
            return refusal(request, message)
        return self.get_response(request)
