"""Log formatting: one JSON object per line for log shippers, or plain text for development.

Importable without Django (gunicorn's master process formats its own lines with it too).
A record carries only what a formatter names: the request fields below, never a request
object, its headers, its body or its query string.
"""

import json
import logging
from datetime import UTC, datetime

# What the request log (tokensvc/requestlog.py) attaches to its records, in output order.
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id", "token_id")


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", <request fields>, "exception"?}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        # default=str: a lazy translation or a UUID in a message argument is still one line.
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger message`, for people reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")


def config(*, fmt: str, level: str) -> dict:
    """The logging configuration: every line once, through the root logger's one handler.

    Django installs a console handler of its own on the `django` logger (active with DEBUG),
    which also propagates to the root: each of its lines came out twice. Here `django` keeps
    no handler of its own. The development server's access lines (`django.server`) and the
    4xx warnings of `django.request` repeat what the request log says, with the query string,
    so they are dropped; server errors still come with their traceback.
    """
    if fmt not in {"json", "text"}:
        raise ValueError(f"LOG_FORMAT must be json or text, got {fmt!r}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "tokensvc.logs.JsonFormatter"},
            "text": {"()": "tokensvc.logs.TextFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": fmt},
            "null": {"class": "logging.NullHandler"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": [], "propagate": True},
            "django.server": {"handlers": ["null"], "propagate": False},
            "django.request": {"level": "ERROR"},
            "django.db.backends": {"level": "WARNING"},
        },
    }
