"""Production settings from the environment: `check --deploy` clean, clear errors, the shared cache."""

import json
import os
import secrets
import socket
import subprocess
import sys
import uuid

import pytest

from tests.support.environment import unavailable
from tests.support.paths import PROJECT_DIR

# What a deployment behind a TLS-terminating proxy sets (README, Deploying).
PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "tokens.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def run(args: list[str], **env) -> subprocess.CompletedProcess:
    """A fresh interpreter in the project, with only the environment given (and a SQLite file)."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "tokensvc.settings"}
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT_DIR, env=clean, capture_output=True, text=True, timeout=60
    )


def production_env(tmp_path, **overrides) -> dict:
    return {
        **PRODUCTION,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **overrides,
    }


def test_check_deploy_is_clean_with_the_production_variables(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_a_deployment_without_tls_variables_lacks(tmp_path):
    env = production_env(tmp_path)
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER"):
        env.pop(name)

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)

    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def show(expression: str, **env):
    code = (
        f"import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({expression}))"
    )
    result = run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_proxy_header_and_hsts_come_from_the_environment(tmp_path):
    found = show(
        "[s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE]",
        **production_env(tmp_path, SECURE_PROXY_SSL_HEADER="X-Forwarded-Scheme: https-on"),
    )

    assert found == [["HTTP_X_FORWARDED_SCHEME", "https-on"], 31536000, True, True]


def test_plain_http_is_the_default(tmp_path):
    found = show(
        "[s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT]",
        SECRET_KEY="x" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert found == [None, 0, False]


def test_database_connections_persist_with_health_checks_by_default(tmp_path):
    found = show(
        "[s.DATABASES['default']['CONN_MAX_AGE'], s.DATABASES['default']['CONN_HEALTH_CHECKS']]",
        SECRET_KEY="x" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert found == [60, True]


def test_failed_authentication_limits_default_to_10_per_username_50_per_address_in_15_minutes(tmp_path):
    names = ["AUTH_FAILURE_LIMIT_PER_USERNAME", "AUTH_FAILURE_LIMIT_PER_ADDRESS", "AUTH_FAILURE_WINDOW_SECONDS"]
    expression = "[" + ", ".join(f"s.{name}" for name in names) + "]"
    assert show(expression, **production_env(tmp_path)) == [10, 50, 900]
    changed = {"AUTH_FAILURE_LIMIT_PER_USERNAME": "0", "AUTH_FAILURE_LIMIT_PER_ADDRESS": "7"}
    assert show(expression, **production_env(tmp_path, AUTH_FAILURE_WINDOW_SECONDS="60", **changed)) == [0, 7, 60]


# manage.py as the README shows it --------------------------------------------------------


@pytest.mark.parametrize(
    "env, words",
    [
        ({"DEBUG": "false"}, "SECRET_KEY is not set"),
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"SECRET_KEY": "x" * 50, "SECURE_PROXY_SSL_HEADER": "X Forwarded"}, "SECURE_PROXY_SSL_HEADER must be"),
        ({"SECRET_KEY": "x" * 50, "LOG_FORMAT": "xml"}, "LOG_FORMAT must be json or text"),
        (
            {"SECRET_KEY": "x" * 50, "AUTH_FAILURE_LIMIT_PER_USERNAME": "-1"},
            "PER_USERNAME must be 0",
        ),
        (
            {"SECRET_KEY": "x" * 50, "AUTH_FAILURE_LIMIT_PER_ADDRESS": "ten"},
            "PER_ADDRESS must be an",
        ),
        (
            {"SECRET_KEY": "x" * 50, "AUTH_FAILURE_WINDOW_SECONDS": "0"},
            "WINDOW_SECONDS must be at least 1",
        ),
    ],
)
def test_a_missing_or_malformed_setting_is_one_line_not_a_traceback(tmp_path, env, words):
    result = run(
        ["manage.py", "bootstrap_admin", "--username", "alice"],
        ADMIN_PASSWORD="correct horse battery staple",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    )

    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and words in result.stderr
    assert "Traceback" not in result.stderr


def test_bootstrap_admin_works_as_documented(tmp_path):
    env = production_env(tmp_path, ADMIN_PASSWORD="correct horse battery staple")

    assert run(["manage.py", "migrate", "--noinput", "--verbosity", "0"], **env).returncode == 0
    result = run(["manage.py", "bootstrap_admin", "--username", "alice", "--email", "alice@example.com"], **env)

    assert result.returncode == 0, result.stderr
    assert "alice" in result.stdout


# The cache --------------------------------------------------------------------------------

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def redis_is_up() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_without_redis_url_the_cache_is_local_to_each_process(tmp_path):
    found = show("s.CACHES['default']['BACKEND']", SECRET_KEY="x" * 50)

    assert found == "django.core.cache.backends.locmem.LocMemCache"


def test_with_redis_url_two_processes_share_the_cache(tmp_path):
    if not redis_is_up():
        unavailable(f"Redis is not running on {REDIS_HOST}:{REDIS_PORT} (.ci/run starts it)")
    key, value = f"test-shared-{uuid.uuid4()}", secrets.token_hex(8)
    env = {"SECRET_KEY": "x" * 50, "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/0"}
    setup = "import django, json; django.setup(); from django.core.cache import cache, caches; "

    written = run(["-c", setup + f"cache.set({key!r}, {value!r}, 60); print(type(caches['default']).__name__)"], **env)
    read = run(["-c", setup + f"print(json.dumps(cache.get({key!r}))); cache.delete({key!r})"], **env)

    assert written.returncode == 0 and read.returncode == 0, written.stderr + read.stderr
    assert written.stdout.strip() == "RedisCache"
    assert json.loads(read.stdout) == value
