"""Responses that show a secret once: marked where the value is put in, sent with `Cache-Control: no-store`.

Every place that writes a new token value, refresh token or client secret into a response
(the token and application serializers, the PAT lifecycle dialect, the web pages) passes it
through `reveal(request, value)`. `NoStoreMiddleware` then tells browsers and proxies to keep
no copy of that response (RFC 9111 section 5.2.2.5; RFC 6749 section 5.1 asks the same of
the token endpoint). The OAuth2 endpoints set the same headers on every answer themselves.
"""

from typing import TypeVar

from django.utils.cache import patch_cache_control

MARK = "reveals_secret"

_Value = TypeVar("_Value")


def _http_request(request):
    # DRF's Request wraps Django's: the mark must be on the one the middleware sees.
    return getattr(request, "_request", request)


def reveal(request, value: _Value) -> _Value:
    """`value`, recorded as shown in the answer to `request` (a Django or DRF request; None: nothing to mark)."""
    if request is not None and value:
        setattr(_http_request(request), MARK, True)
    return value


def reveals_secret(request) -> bool:
    return getattr(_http_request(request), MARK, False)


def no_store(response):
    """Never stored by a browser or a proxy: `Cache-Control: no-store` (added to what the response says
    already; no-store overrides every other directive) and, for HTTP/1.0 caches, `Pragma: no-cache`."""
    patch_cache_control(response, no_store=True)
    response["Pragma"] = "no-cache"
    return response


class NoStoreMiddleware:
    """Adds the no-store headers to every response whose request revealed a secret."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if reveals_secret(request):
            no_store(response)
        return response
