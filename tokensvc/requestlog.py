"""One log line per request: its id, method, path, status, duration, and who made it.

The request id is the caller's `X-Request-ID` when it looks like an id (so a proxy's id ties
its log to ours), a new UUID otherwise; the response carries it back in `X-Request-ID`.

Only the path is logged, never the query string, a header or a body: any of them can hold a
credential. The caller is named by ids: the user's, and the access token's primary key when
a token authenticated the request (never its value).
"""

import logging
import re
import time
import uuid

from django.db import models
from django.utils.functional import SimpleLazyObject, empty

logger = logging.getLogger("tokensvc.request")

HEADER = "X-Request-ID"
# Letters, digits and the punctuation of UUIDs and trace ids; anything else is replaced.
ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# A path is logged up to this length: a hostile client must not write megabytes of log.
MAX_PATH_LENGTH = 1024


def request_id(request) -> str:
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    if ACCEPTABLE_ID.fullmatch(offered):
        return offered
    return str(uuid.uuid4())


def _user_id(request) -> int | None:
    user = getattr(request, "user", None)
    if user is None:
        return None
    # A session user nobody asked for is not looked up just to be logged.
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user.pk if user.is_authenticated else None


def _token_id(request) -> int | None:
    # DRF copies what its authentication found onto the Django request; a Bearer token is the
    # access token row, Basic and session authentication leave None.
    credential = getattr(request, "auth", None)
    return credential.pk if isinstance(credential, models.Model) else None


class RequestLogMiddleware:
    """Outermost middleware, so that what the others refuse is logged and answered with an id too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        rid = request_id(request)
        request.request_id = rid
        response = self.get_response(request)
        response[HEADER] = rid
        path = request.path
        if len(path) > MAX_PATH_LENGTH:
            path = path[:MAX_PATH_LENGTH] + "..."
        fields = {
            "request_id": rid,
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "user_id": _user_id(request),
            "token_id": _token_id(request),
        }
        logger.info(
            "%s %s %s %sms user=%s token=%s id=%s",
            fields["method"],
            fields["path"],
            fields["status"],
            fields["duration_ms"],
            fields["user_id"],
            fields["token_id"],
            rid,
            extra=fields,
        )
        return response
