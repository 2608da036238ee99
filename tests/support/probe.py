"""The settings module as a fresh interpreter sees it: `run_probe(**env)` with a controlled environment."""

import os
import subprocess
import sys

from tests.support.paths import PROJECT_DIR

# Prints the facts the tests assert on, after a full django.setup().
PROBE = """
import json, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "debug": settings.DEBUG,
    "secret_key_set": bool(settings.SECRET_KEY),
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "host": db.get("HOST", ""),
    "port": db.get("PORT", ""),
    "user": db.get("USER", ""),
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "session_cookie_age": settings.SESSION_COOKIE_AGE,
}))
"""

# Variables the settings module reads; none may leak in from the calling shell.
CONTROLLED = (
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "SESSION_COOKIE_AGE",
    "SSO_REMOTE_USER_ENABLED",
    "SSO_TRUSTED_PROXIES",
    "SSO_TRUST_ALL_PEERS",
    "ACCESS_TOKEN_EXPIRE_SECONDS",
)


def run_probe(**env) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in CONTROLLED}
    clean["DJANGO_SETTINGS_MODULE"] = "tokensvc.settings"
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
