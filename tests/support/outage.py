"""A database that cannot be reached, for tests: in-process (every connection attempt fails for real) or over TCP.

`database_unreachable()` makes each use of Django's default connection fail as it would
when the database is down: it asks the real driver to connect where nothing answers (a
closed local port for PostgreSQL, a file in a missing directory for SQLite) and raises what
Django raises then. The test's own transaction stays open underneath, for its teardown.

`Proxy` is a TCP proxy between a server and PostgreSQL that a test can cut (every
connection closed, new ones refused), blackhole (connections accepted, nothing answered)
and restore, on the same port.
"""

import contextlib
import socket
import threading
from unittest import mock

from django.db import connections

from tests.support.servers import free_port


def _nowhere_params(connection) -> dict:
    params = connection.get_connection_params()
    if connection.vendor == "sqlite":
        return {**params, "database": "/nonexistent-directory/tokensvc.sqlite3"}
    return {**params, "host": "127.0.0.1", "port": free_port(), "connect_timeout": 2}


@contextlib.contextmanager
def database_unreachable(alias: str = "default"):
    connection = connections[alias]
    params = _nowhere_params(connection)

    def fail_to_connect():
        with connection.wrap_database_errors:
            connection.get_new_connection(params)
        raise AssertionError(f"connecting with {params} should have failed")

    with mock.patch.object(connection, "ensure_connection", fail_to_connect):
        yield


class Proxy:
    """TCP between clients and `target` (host, port), on a port of its own that outlives cut() and restore()."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.mode = "forward"
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self.accepted = 0

    # Control ------------------------------------------------------------------------------

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()

    def cut(self) -> None:
        """Close every connection and refuse new ones (nothing listens on the port)."""
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        if self._acceptor is not None:
            self._acceptor.join(timeout=5)
        self._close_all()

    def blackhole(self) -> None:
        """Accept connections and answer nothing, like a host that drops every packet; close existing ones."""
        self.mode = "blackhole"
        if self._listener is None:
            self.start()
        self._close_all()

    def restore(self) -> None:
        self.mode = "forward"
        self._close_all()
        if self._listener is None:
            self.start()

    def stop(self) -> None:
        self.cut()

    @property
    def url_part(self) -> str:
        return f"127.0.0.1:{self.port}"

    # Plumbing -----------------------------------------------------------------------------

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _close_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: cut()
            self.accepted += 1
            self._track(client)
            if self.mode == "blackhole":
                continue  # held open, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            self._track(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
