"""What every web page sends and keeps: security headers, no caching, and forms that show a secret at most once.

A page that shows a new token value or client secret renders it in the answer to the POST
that created it, never stores it and never puts it in a URL. Its form carries a one-time
key kept in the session: a reload re-sends the POST, finds the key spent and creates
nothing (so shows nothing).
"""

import secrets

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

# Scripts and styles only from our own static files: no inline script, no framing, forms post home.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    # "same-origin" rather than "no-referrer": with the latter browsers send `Origin: null`,
    # which Django's CSRF check refuses on HTTPS.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def secure(response: HttpResponseBase) -> HttpResponseBase:
    """Give a web page's response the security headers; nothing of these pages is cached anywhere."""
    for name, value in SECURITY_HEADERS.items():
        response[name] = value
    add_never_cache_headers(response)
    return response


ONCE_SESSION_KEY = "web_once"
# Open forms a person may have in as many tabs; the oldest keys are forgotten first.
ONCE_KEPT = 20


def once_key(request: HttpRequest) -> str:
    """A new one-time key for a form whose POST shows a secret."""
    key = secrets.token_urlsafe(16)
    keys = [*request.session.get(ONCE_SESSION_KEY, []), key][-ONCE_KEPT:]
    request.session[ONCE_SESSION_KEY] = keys
    return key


def once_valid(request: HttpRequest) -> bool:
    """Is the POST's one-time key one this session issued and has not spent?"""
    return request.POST.get("once", "") in request.session.get(ONCE_SESSION_KEY, [])


def spend_once(request: HttpRequest) -> None:
    """Spend the POST's one-time key: sending the same form again does nothing."""
    key = request.POST.get("once", "")
    request.session[ONCE_SESSION_KEY] = [k for k in request.session.get(ONCE_SESSION_KEY, []) if k != key]
