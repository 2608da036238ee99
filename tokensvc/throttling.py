"""Limits on failed authentication, per client address and per username, kept in the shared cache.

A script guessing passwords (or client secrets, or token values) is stopped after a few
dozen tries: once a username or an address has failed AUTH_FAILURE_LIMIT_PER_* times within
AUTH_FAILURE_WINDOW_SECONDS, the next attempt is refused (429, with Retry-After) before any
password or secret is hashed, so a locked-out attacker costs a cache lookup and nothing more.

Counting happens only after a failure, and a lock is only asked for before a password or
secret is checked: a valid Bearer token never reaches this module. Counters:

- `username` and `client` (an OAuth2 client_id presenting a secret): keyed by a digest of
  the name, compatibility-normalised and case-folded as accounts are (users.models.username_key),
  so `Alice` and `alice` are one name and any length gives a short, valid cache key;
- `address`: failed passwords and client secrets from one client address
  (tokensvc.addresses.client_address, which only believes a trusted proxy's X-Forwarded-For);
- `bearer_address`: failed Bearer tokens from one address, counted apart, so that a revoked
  token left in a cron job slows that job down without locking its whole office (behind one
  NAT address) out of password sign-in.

Each counter has a fixed window that starts at its first failure: its end is stored with it,
so Retry-After is the real time left. Increments are the cache's atomic add + incr, so
workers failing at once lose no count; at most the requests already in flight when the
limit is reached get their answer too. With REDIS_URL set the counters are shared by every
process and server; otherwise each process counts alone.

If the cache cannot be reached, authentication goes on unlimited (fail open) and a warning
is logged: an outage of the cache must not lock everyone out or turn sign-in into 500s.
"""

import hashlib
import logging
import math
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("tokensvc.throttling")

USERNAME, CLIENT, ADDRESS, BEARER_ADDRESS = "username", "client", "address", "bearer_address"
SCOPES = (USERNAME, CLIENT, ADDRESS, BEARER_ADDRESS)
KEY_PREFIX = "authfail"
# How often, at most, one process warns that the cache is unreachable.
OUTAGE_WARNING_INTERVAL = 60.0

REASONS = {
    USERNAME: "Too many failed sign-in attempts for this username",
    CLIENT: "Too many failed authentication attempts for this client_id",
    ADDRESS: "Too many failed sign-in attempts from this address",
    BEARER_ADDRESS: "Too many invalid tokens sent from this address",
}


def clock() -> float:
    """The current time in seconds; tests replace it to move time on."""
    return time.time()


def normalise(name: str) -> str:
    """The form in which two usernames are one name, as users.models.username_key has it."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def limit(scope: str) -> int:
    if scope in (USERNAME, CLIENT):
        return int(settings.AUTH_FAILURE_LIMIT_PER_USERNAME)
    return int(settings.AUTH_FAILURE_LIMIT_PER_ADDRESS)


def window() -> int:
    return max(1, int(settings.AUTH_FAILURE_WINDOW_SECONDS))


@dataclass(frozen=True)
class Counter:
    """One thing failures are counted against: a scope and a value (a name or an address)."""

    scope: str
    value: str

    @property
    def digest(self) -> str:
        value = normalise(self.value) if self.scope in (USERNAME, CLIENT) else self.value
        return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    @property
    def until_key(self) -> str:
        return f"{KEY_PREFIX}:{self.scope}:{self.digest}:until"

    def count_key(self, until: int) -> str:
        return f"{KEY_PREFIX}:{self.scope}:{self.digest}:{until}"

    def described(self) -> str:
        """For the log: an address as it is, a name only as its digest (a password typed as a name stays unread)."""
        return f"address={self.value}" if self.scope in (ADDRESS, BEARER_ADDRESS) else f"{self.scope}={self.digest}"


@dataclass(frozen=True)
class Lockout:
    """A refusal: which limit was reached and how many seconds until its window frees."""

    scope: str
    retry_after: int

    @property
    def message(self) -> str:
        return f"{REASONS[self.scope]}: try again in {self.retry_after} seconds."


class LockedOut(Exception):
    """Raised where the caller answers a lockout in its own route's error shape."""

    def __init__(self, lockout: Lockout):
        super().__init__(lockout.message)
        self.lockout = lockout


def password_counters(address: str, username: object) -> list[Counter]:
    """The counters of a username and password attempt (HTTP Basic, password grant, sign-in forms)."""
    counters = [Counter(ADDRESS, address)]
    if isinstance(username, str) and username:
        counters.append(Counter(USERNAME, username))
    return counters


def client_counters(address: str, client_ids: Iterable[str]) -> list[Counter]:
    """The counters of a client authenticating with its secret: the address and each client_id presented."""
    return [Counter(ADDRESS, address), *(Counter(CLIENT, client_id) for client_id in dict.fromkeys(client_ids))]


def bearer_counters(address: str) -> list[Counter]:
    return [Counter(BEARER_ADDRESS, address)]


_last_outage_warning = 0.0


def _cache_unreachable(action: str, error: Exception) -> None:
    global _last_outage_warning
    now = time.monotonic()
    if now - _last_outage_warning >= OUTAGE_WARNING_INTERVAL or _last_outage_warning == 0.0:
        _last_outage_warning = now
        logger.warning(
            "auth failure limits are off: the cache cannot be reached (%s: %s); authentication goes on unlimited",
            action,
            type(error).__name__,
        )


def _active(counters: Iterable[Counter]) -> list[Counter]:
    return [counter for counter in counters if limit(counter.scope) > 0]


def lockout(counters: Iterable[Counter]) -> Lockout | None:
    """The lockout in force for any of these counters (the longest), or None. Reads the cache; never raises."""
    counters = _active(counters)
    if not counters:
        return None
    now = clock()
    try:
        untils = cache.get_many([counter.until_key for counter in counters])
        live = {
            counter: int(untils[counter.until_key])
            for counter in counters
            if isinstance(untils.get(counter.until_key), int) and untils[counter.until_key] > now
        }
        if not live:
            return None
        counts = cache.get_many([counter.count_key(until) for counter, until in live.items()])
    except Exception as error:  # noqa: BLE001 (any cache failure: fail open)
        _cache_unreachable("read", error)
        return None
    found = None
    for counter, until in live.items():
        count = counts.get(counter.count_key(until))
        if isinstance(count, int) and count >= limit(counter.scope):
            retry_after = max(1, math.ceil(until - now))
            if found is None or retry_after > found.retry_after:
                found = Lockout(counter.scope, retry_after)
    return found


def refuse_if_locked(counters: Iterable[Counter]) -> None:
    """Raise LockedOut if any of these counters is at its limit: call it before a password or secret is hashed."""
    found = lockout(counters)
    if found is not None:
        raise LockedOut(found)


def _window_end(counter: Counter, now: float) -> int:
    """The end of the counter's current window, starting one if there is none (or the last one is over)."""
    length = window()
    until = cache.get(counter.until_key)
    if isinstance(until, int) and until > now:
        return until
    fresh = int(now) + length  # whole seconds: Retry-After never exceeds the window
    if until is None and cache.add(counter.until_key, fresh, timeout=length + 1):
        return fresh
    # Another worker started the window meanwhile, or the stored one is over (the cache keeps a
    # key up to a second longer than its window): take theirs, or start anew.
    until = cache.get(counter.until_key)
    if isinstance(until, int) and until > now:
        return until
    cache.set(counter.until_key, fresh, timeout=length + 1)
    return fresh


def record_failure(counters: Iterable[Counter], *, address: str = "") -> None:
    """Count one failure against each counter; log the start of each lockout this failure causes. Never raises."""
    for counter in _active(counters):
        now = clock()
        try:
            until = _window_end(counter, now)
            key = counter.count_key(until)
            # add() only creates the key; incr() is atomic on Redis and locmem: no count is lost.
            cache.add(key, 0, timeout=max(1, math.ceil(until - now)) + 1)
            count = cache.incr(key)
        except ValueError:
            # The key expired between add() and incr(): this failure falls on the window's edge.
            continue
        except Exception as error:  # noqa: BLE001 (any cache failure: fail open)
            _cache_unreachable("write", error)
            return
        if count == limit(counter.scope):
            logger.warning(
                "auth lockout started: %s failures=%d %s from=%s for %d s",
                counter.scope,
                count,
                counter.described(),
                address or "-",
                max(1, math.ceil(until - now)),
            )


def clear(counters: Iterable[Counter]) -> int:
    """Forget the failures of these counters; how many had a window running."""
    cleared = 0
    for counter in counters:
        until = cache.get(counter.until_key)
        if until is None:
            continue
        cleared += 1
        keys = [counter.until_key]
        if isinstance(until, int):
            keys.append(counter.count_key(until))
        cache.delete_many(keys)
    return cleared


def failures(counter: Counter) -> int:
    """The failures counted in the counter's current window (0 when none is running)."""
    until = cache.get(counter.until_key)
    if not isinstance(until, int) or until <= clock():
        return 0
    count = cache.get(counter.count_key(until))
    return count if isinstance(count, int) else 0
