"""Rate limits per client address: a view's `throttle_scope` rate, counted atomically in the shared cache.

DRF's own throttles name an anonymous client by `get_ident()`, and a signed-in one by their
user id; here the client is always its address as `tokensvc.addresses.client_address` tells
it (the peer, or what a trusted proxy forwarded), whoever is signed in, so that neither a
forged `X-Forwarded-For` nor a change of credentials buys a fresh allowance.

DRF keeps a list of timestamps that it reads, checks and writes back: requests arriving
together all read the same list and all pass. Here each request adds one to a counter of the
current window with the cache's atomic increment (Redis INCR, or the local cache's lock), so
of simultaneous requests exactly the allowed number pass. With REDIS_URL every process and
server counts in one place; otherwise each process counts for itself.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from tokensvc.addresses import client_address


class AddressRateThrottle(ScopedRateThrottle):
    """`DEFAULT_THROTTLE_RATES[view.throttle_scope]` per client address and fixed window (e.g. a minute).

    Only the methods in `view.throttle_methods` count, when the view names them.
    """

    def allow_request(self, request, view):
        methods = getattr(view, "throttle_methods", None)
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope or (methods is not None and request.method not in methods):
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        now = self.timer()
        window = int(now // self.duration)
        self.remaining = (window + 1) * self.duration - now
        return self.count(f"{self.get_cache_key(request, view)}_{window}") <= self.num_requests

    def count(self, key: str) -> int:
        """This request's number in its window: the counter, created at 0 if absent, plus one."""
        for _ in range(3):
            # The counter outlives its window a little, so that it never expires between the two calls.
            self.cache.add(key, 0, self.duration + 5)
            try:
                return self.cache.incr(key)
            except ValueError:  # evicted between add() and incr(): create it again
                continue
        return self.num_requests + 1

    def wait(self):
        return self.remaining

    def get_rate(self):
        # Read at each request, not when the class was defined: the rates are settings.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request) or "unknown"}
