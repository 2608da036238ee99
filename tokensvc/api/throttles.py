"""Rate limits per client address: a view's `throttle_scope` rate, counted in the shared cache.

DRF's own throttles name an anonymous client by `get_ident()`, and a signed-in one by their
user id; here the client is always its address as `tokensvc.addresses.client_address` tells
it (the peer, or what a trusted proxy forwarded), whoever is signed in, so that neither a
forged `X-Forwarded-For` nor a change of credentials buys a fresh allowance. With REDIS_URL
every process and server counts in one place; otherwise each process counts for itself.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from tokensvc.addresses import client_address


class AddressRateThrottle(ScopedRateThrottle):
    """`DEFAULT_THROTTLE_RATES[view.throttle_scope]` per client address, for the methods in `view.throttle_methods`."""

    def allow_request(self, request, view):
        methods = getattr(view, "throttle_methods", None)
        if methods is not None and request.method not in methods:
            return True
        return super().allow_request(request, view)

    def get_rate(self):
        # Read at each request, not when the class was defined: the rates are settings.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request) or "unknown"}
