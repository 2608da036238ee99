"""gunicorn's settings for tokensvc, every one from the environment (README, Deploying).

Read by `gunicorn -c gunicorn.conf.py tokensvc.wsgi` (bin/serve-production). There is no
access log: the application writes one line per request itself (tokensvc/requestlog.py),
without query strings; gunicorn's own lines use the same format (LOG_FORMAT).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tokensvc import logs  # noqa: E402  (after the path: gunicorn may start elsewhere)


def _int(name: str, default: int) -> int:
    value = os.environ.get(name) or str(default)
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"error: {name} must be an integer, got {value!r}.") from None


# Behind a proxy on the same machine by default; 0.0.0.0:8000 (or a unix: socket) otherwise.
bind = [os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"]
# Processes, each with its own database connections (kept for DATABASE_CONN_MAX_AGE).
workers = _int("WEB_CONCURRENCY", 2)
# Threads per process: requests mostly wait on the database, so a few threads each serve well.
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
# A worker silent for this long is killed and replaced.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (a deploy or restart), requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Idle seconds a connection from the load balancer stays open; keep it above the balancer's.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# gunicorn's control socket defaults to one path per user account, which two servers on one
# machine would fight over; nothing here uses it.
control_socket_disable = True

accesslog = None
errorlog = "-"
loglevel = (os.environ.get("LOG_LEVEL") or "INFO").lower()
try:
    logconfig_dict = logs.config(fmt=os.environ.get("LOG_FORMAT") or "json", level=loglevel.upper())
except ValueError as error:
    raise SystemExit(f"error: {error}") from None
# gunicorn's own loggers write through the root handler above, once.
logconfig_dict["loggers"].update(
    {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": [], "propagate": True},
        "gunicorn.access": {"handlers": ["null"], "propagate": False},
    }
)
