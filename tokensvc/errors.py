"""JSON error answers for what Django refuses itself, before or around the views: every route answers JSON.

A body over DATA_UPLOAD_MAX_MEMORY_SIZE, more than DATA_UPLOAD_MAX_NUMBER_FIELDS query
parameters or form fields, a form in a charset other than UTF-8, an unknown path or an
unexpected error would otherwise be answered with Django's HTML pages. The OAuth2 endpoints
answer with an OAuth error object (RFC 6749 section 5.2), the PAT lifecycle dialect below
`/{organization}/_apis` with its own error object (`message`, `typeKey`), every other route with
`{"detail": ...}`, as DRF's own errors do.
"""

import re

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse

# Routes that answer errors as OAuth error objects.
OAUTH_PREFIXES = ("/api/o/", "/.well-known/")
OAUTH_ERROR_CODES = {
    400: "invalid_request",
    403: "access_denied",
    404: "invalid_request",
    500: "server_error",
    503: "temporarily_unavailable",
}
# Routes of the PAT lifecycle dialect (pats/urls.py): the organization's name, then `_apis`.
DIALECT_PATH = re.compile(r"^/[^/]+/_apis(?:/|$)")


def error_response(request, status: int, message: str) -> JsonResponse:
    if request.path.startswith(OAUTH_PREFIXES):
        body = {"error": OAUTH_ERROR_CODES.get(status, "invalid_request"), "error_description": message}
        response = JsonResponse(body, status=status)
        response["Cache-Control"] = "no-store"
        return response
    if DIALECT_PATH.match(request.path):
        # The dialect's clients read `message` and `typeKey`, also of a refusal made before its views.
        from pats.errors import refusal_body

        return JsonResponse(refusal_body(status, message), status=status)
    return JsonResponse({"detail": message}, status=status)


def refusal_message(exception) -> str:
    """What to tell the client about a refusal raised by Django; never the exception's own text for the rest."""
    if isinstance(exception, RequestDataTooBig):
        return f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
    if isinstance(exception, TooManyFieldsSent):
        return f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} query parameters or form fields."
    if isinstance(exception, TooManyFilesSent):
        return f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files."
    if type(exception) is BadRequest and exception.args:
        # Raised by Django with a message meant for the client (e.g. a form that is not UTF-8).
        return str(exception.args[0])
    return "Bad request."


def bad_request(request, exception=None):
    return error_response(request, 400, refusal_message(exception))


def permission_denied(request, exception=None):
    return error_response(request, 403, "You do not have permission to perform this action.")


def page_not_found(request, exception=None):
    return error_response(request, 404, "Not found.")


def server_error(request):
    return error_response(request, 500, "A server error occurred.")


def csrf_failure(request, reason=""):
    return error_response(request, 403, f"CSRF verification failed: {reason}")
