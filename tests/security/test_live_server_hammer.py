"""Hostile and racing requests against a real multi-threaded server: none may be answered with a 500."""

import json
import socket
import threading
from urllib.parse import urlsplit

import requests

from tests import factories
from tests.support.oauth import app_with_secret

THREADS = 8
ROUNDS = 4


def raw(live_server, payload: bytes) -> int:
    """Send raw bytes, half-close, and return the status code of the answer (0 if none)."""
    parts = urlsplit(live_server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    line = data.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 and line[1].isdigit() else 0


def test_hostile_and_racing_requests_never_500(live_server, org):
    root = factories.user("root", is_superuser=True)
    admin = factories.user("org_admin", admin_of=[org])
    member = factories.user("member", member_of=[org])
    app, secret = app_with_secret(org, name="Hammer")
    root_token = factories.personal_token(root).value
    admin_token = factories.personal_token(admin).value
    victims = [factories.personal_token(root) for _ in range(3)]
    base = live_server.url
    auth = {"Authorization": f"Bearer {root_token}"}
    host = urlsplit(base).netloc
    statuses = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS, timeout=30)

    def note(label, status):
        with lock:
            statuses.append((label, status))

    def work(index):
        session = requests.Session()
        barrier.wait()
        for round_ in range(ROUNDS):
            calls = [
                (
                    "list-search",
                    lambda: session.get(
                        f"{base}/api/v2/tokens/?search=%25_%5C&order_by=-created,user__username", headers=auth
                    ),
                ),
                (
                    "list-dates",
                    lambda: session.get(f"{base}/api/v2/tokens/?expires__gt=9999-12-31T23:59:59-14:00", headers=auth),
                ),
                (
                    "list-charset",
                    lambda: session.get(
                        f"{base}/api/v2/users/?search=%5Cx00",
                        headers={**auth, "Content-Type": "text/plain; charset=unicode_escape"},
                    ),
                ),
                (
                    "create-token",
                    lambda: session.post(
                        f"{base}/api/v2/tokens/", json={"description": f"t{index}-{round_}"}, headers=auth
                    ),
                ),
                (
                    "create-org-same-name",
                    lambda: session.post(f"{base}/api/v2/organizations/", json={"name": f"Race{round_}"}, headers=auth),
                ),
                (
                    "rotate-shared",
                    lambda: session.post(
                        f"{base}/api/v2/tokens/{victims[round_ % 3].token.pk}/rotate/", json={}, headers=auth
                    ),
                ),
                (
                    "delete-shared",
                    lambda: session.delete(f"{base}/api/v2/tokens/{victims[(round_ + 1) % 3].token.pk}/", headers=auth),
                ),
                (
                    "patch-settings",
                    lambda: session.patch(
                        f"{base}/api/v2/settings/authentication/",
                        json={"PAT_DEFAULT_LIFETIME_SECONDS": 3600 + index},
                        headers=auth,
                    ),
                ),
                (
                    "associate",
                    lambda: session.post(
                        f"{base}/api/v2/organizations/{org.pk}/users/",
                        json={"id": member.pk, "disassociate": index % 2 == 0},
                        headers={"Authorization": f"Bearer {admin_token}"},
                    ),
                ),
                (
                    "bulk-revoke",
                    lambda: session.post(
                        f"{base}/api/v2/users/{member.pk}/tokens/revoke/",
                        headers={"Authorization": f"Bearer {admin_token}"},
                    ),
                ),
                (
                    "password-grant",
                    lambda: session.post(
                        f"{base}/api/o/token/",
                        data={"grant_type": "password", "username": member.username, "password": factories.PASSWORD},
                        auth=(app.client_id, secret),
                    ),
                ),
                (
                    "form-utf7",
                    lambda: session.post(
                        f"{base}/api/v2/organizations/",
                        data=b"name=+2AA-",
                        headers={**auth, "Content-Type": "application/x-www-form-urlencoded; charset=utf-7"},
                    ),
                ),
                (
                    "json-deep",
                    lambda: session.post(
                        f"{base}/api/v2/organizations/",
                        data=b"[" * 5000 + b"]" * 5000,
                        headers={**auth, "Content-Type": "application/json"},
                    ),
                ),
                (
                    "json-array-rotate",
                    lambda: session.post(
                        f"{base}/api/v2/tokens/{victims[0].token.pk}/rotate/",
                        data=b"[1]",
                        headers={**auth, "Content-Type": "application/json"},
                    ),
                ),
                (
                    "nul-header",
                    lambda: raw(
                        live_server,
                        b"GET /api/v2/ping/ HTTP/1.1\r\nHost: "
                        + host.encode()
                        + b"\r\nX-A: a\x00b\r\nConnection: close\r\n\r\n",
                    ),
                ),
                (
                    "cl-lie",
                    lambda: raw(
                        live_server,
                        b"POST /api/v2/tokens/ HTTP/1.1\r\nHost: "
                        + host.encode()
                        + b"\r\nAuthorization: Bearer "
                        + root_token.encode()
                        + b"\r\nContent-Type: application/json\r\nContent-Length: 500\r\nConnection: close\r\n\r\n"
                        + b'{"description": "x"}',
                    ),
                ),
                (
                    "cl-negative",
                    lambda: raw(
                        live_server,
                        b"POST /api/v2/tokens/ HTTP/1.1\r\nHost: "
                        + host.encode()
                        + b"\r\nAuthorization: Bearer "
                        + root_token.encode()
                        + b"\r\nContent-Type: application/json\r\nContent-Length: -5\r\nConnection: close\r\n\r\n{}",
                    ),
                ),
                (
                    "chunked",
                    lambda: raw(
                        live_server,
                        b"POST /api/v2/tokens/ HTTP/1.1\r\nHost: "
                        + host.encode()
                        + b"\r\nAuthorization: Bearer "
                        + root_token.encode()
                        + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                        + b"Connection: close\r\n\r\n"
                        + b"2\r\n{}\r\n0\r\n\r\n",
                    ),
                ),
                (
                    "long-query",
                    lambda: session.get(
                        f"{base}/api/v2/users/?search={'%25_' * 3000}&order_by={'username,' * 500}id", headers=auth
                    ),
                ),
                ("overlong-nul", lambda: session.get(f"{base}/api/v2/users/%C0%80/", headers=auth)),
                # Longer than a file name may be: the test server once sent every path to its media handler.
                ("long-path", lambda: session.get(f"{base}/api/v2/users/{'a' * 300}/", headers=auth)),
                ("long-unknown-path", lambda: session.get(f"{base}/{'b' * 300}", headers=auth)),
            ]
            for label, call in calls:
                try:
                    result = call()
                    note(label, result if isinstance(result, int) else result.status_code)
                except requests.RequestException as exc:
                    note(label, f"error {type(exc).__name__}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    bad = sorted(
        {(label, status) for label, status in statuses if not isinstance(status, int) or status >= 500 or status == 0}
    )
    summary = {}
    for label, status in statuses:
        summary.setdefault(label, set()).add(status)
    print(json.dumps({k: sorted(map(str, v)) for k, v in summary.items()}, indent=0))
    assert not bad, bad
