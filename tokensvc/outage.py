"""When the database cannot be reached: 503 with Retry-After on every route, never a 500 or a traceback.

Only errors that mean "no connection" count: the driver could not connect (refused, timed
out, name not resolved), the server closed or lost the connection, is shutting down or
starting up, or has no connection slot left; and Django's InterfaceError for a connection
that is already closed. Every other database error keeps its meaning: a deadlock or a
serialization failure is retried by tokensvc.transactions and, if it persists, is a 500
like any other fault, not an outage.

A view's error is answered by `DatabaseUnavailableMiddleware.process_exception`. An error
raised elsewhere (another middleware, a session saved after the view) reaches Django's
handler of uncaught exceptions, which sends `got_request_exception`: the receiver below
marks the request, and the middleware turns the 500 it gets back into the same 503.

The server needs no restart when the database returns: Django closes a connection that
raised such an error at the end of the request (and checks a kept one before reusing it,
DATABASE_CONN_HEALTH_CHECKS), so the next request connects afresh.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers

from .errors import error_response

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 5
MESSAGE = "The service is temporarily unavailable: its database cannot be reached. Try again shortly."

# PostgreSQL SQLSTATEs of a lost or refused connection: class 08 (connection exception),
# admin_shutdown, crash_shutdown, cannot_connect_now (starting up or in recovery),
# too_many_connections.
UNAVAILABLE_SQLSTATE_CLASSES = ("08",)
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# SQLite's primary result codes for a database file it cannot open or read: CANTOPEN, IOERR.
UNAVAILABLE_SQLITE_CODES = frozenset({14, 10})

# Set on a request whose uncaught exception meant an unreachable database.
REQUEST_MARK = "database_unavailable"


def is_unavailable(error: BaseException | None) -> bool:
    """Does this error mean the database cannot be reached, rather than a fault of one statement?"""
    if isinstance(error, InterfaceError):
        return True  # a connection that is already closed, or lost underneath
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    sqlite_code = getattr(cause, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return (sqlite_code & 0xFF) in UNAVAILABLE_SQLITE_CODES
    if hasattr(cause, "pgcode") or hasattr(cause, "sqlstate"):
        code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
        # No SQLSTATE: the driver failed before the server answered (refused, timed out,
        # closed unexpectedly). With one, only the codes of a connection that is gone.
        return code is None or code.startswith(UNAVAILABLE_SQLSTATE_CLASSES) or code in UNAVAILABLE_SQLSTATES
    return False


def _is_web_page(request) -> bool:
    """The pages for people (the `web` URL namespace) answer with a page; every other route with JSON."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
    return "web" in match.namespaces


def unavailable_response(request) -> HttpResponse:
    """503 with Retry-After, in the route's error shape, never cached."""
    response: HttpResponse
    if _is_web_page(request):
        page = render_to_string("tokensvc/unavailable.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
        # The page has no script, style or image of its own and is framed by no one.
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    else:
        response = error_response(request, 503, MESSAGE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def mark_request(sender, request=None, **kwargs) -> None:
    """`got_request_exception` receiver: remember that the uncaught exception was an outage."""
    if request is not None and is_unavailable(sys.exc_info()[1]):
        setattr(request, REQUEST_MARK, True)


class DatabaseUnavailableMiddleware:
    """Answers 503 + Retry-After for a database that cannot be reached, wherever the request met it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, REQUEST_MARK, False):
            return unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if not is_unavailable(exception):
            return None
        path, name = request.path[:200], type(exception).__name__
        logger.warning("database unavailable: %s %s answered 503 (%s)", request.method, path, name)
        return unavailable_response(request)
