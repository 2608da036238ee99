"""The address a request came from, as rate limits and the activity stream name it.

REMOTE_ADDR is the peer that opened the connection. Behind a reverse proxy that is the proxy,
so the proxy's `X-Forwarded-For` is believed, but only when the peer is one of
TRUSTED_PROXIES: anyone else could write any address into that header and so escape a
per-address limit. The client is then the right-most forwarded address that is not itself
a trusted proxy (each proxy appends the peer it saw). What is not an IP address there is
not believed either: the address is stored in IP address columns.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    peer = request.META.get("REMOTE_ADDR", "") or ""
    trusted = getattr(settings, "TRUSTED_PROXIES", ())
    if not trusted or peer not in trusted:
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([part for part in forwarded if part]):
        if address not in trusted:
            return address if _is_ip(address) else peer
    return peer


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
