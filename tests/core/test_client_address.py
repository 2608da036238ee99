"""The client's address: the peer, unless the peer is a trusted proxy that forwarded it."""

import pytest
from django.test import RequestFactory

from tokensvc.addresses import client_address


def request(peer, forwarded=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_the_peer_is_the_client_when_no_proxy_is_trusted(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_an_untrusted_peer_cannot_name_another_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("198.51.100.1", "198.51.100.1"),
        # A client's own forged entries come first; the proxy appends the peer it saw.
        ("1.2.3.4, 198.51.100.1", "198.51.100.1"),
        ("198.51.100.1, 10.0.0.2", "198.51.100.1"),
        ("10.0.0.2", "10.0.0.1"),
        ("", "10.0.0.1"),
        ("2001:db8::7", "2001:db8::7"),
        # Not an address: the proxy itself is named rather than whatever the header says.
        ("'; DROP TABLE x; --", "10.0.0.1"),
        ("198.51.100.1\x00", "10.0.0.1"),
    ],
)
def test_a_trusted_proxy_forwards_the_client(settings, forwarded, client):
    settings.TRUSTED_PROXIES = ["10.0.0.1", "10.0.0.2"]
    assert client_address(request("10.0.0.1", forwarded)) == client
