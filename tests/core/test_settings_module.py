"""The settings module's promises, checked in a fresh interpreter with a controlled environment."""

import json
from pathlib import Path

import pytest

from tests.support.paths import PROJECT_DIR
from tests.support.probe import run_probe


def facts(**env) -> dict:
    result = run_probe(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_mode_without_secret_key_refuses_to_start():
    result = run_probe(DEBUG="false")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_debug_off_is_the_default_so_a_bare_environment_refuses_to_start():
    result = run_probe()

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_mode_starts_with_a_development_key():
    found = facts(DEBUG="true")

    assert found["debug"] is True
    assert found["secret_key_set"] is True


def test_production_mode_starts_with_a_secret_key():
    found = facts(SECRET_KEY="a-real-secret-from-the-environment")

    assert found["debug"] is False


def test_default_database_is_a_sqlite_file_in_the_project_directory():
    found = facts(DEBUG="true")

    assert found["engine"] == "django.db.backends.sqlite3"
    assert Path(found["name"]) == PROJECT_DIR / "db.sqlite3"


def test_postgres_url_selects_the_postgresql_engine():
    found = facts(DEBUG="true", DATABASE_URL="postgres://svc:pw@db.example.com:6543/tokens")

    assert found["engine"] == "django.db.backends.postgresql"
    assert found["name"] == "tokens"
    assert found["host"] == "db.example.com"
    assert found["port"] == 6543
    assert found["user"] == "svc"


def test_sqlite_url_is_honoured(tmp_path):
    target = tmp_path / "elsewhere.sqlite3"
    found = facts(DEBUG="true", DATABASE_URL=f"sqlite:///{target}")

    assert found["engine"] == "django.db.backends.sqlite3"
    assert Path(found["name"]) == target


def test_allowed_hosts_is_a_comma_separated_list():
    found = facts(DEBUG="true", ALLOWED_HOSTS="api.example.com, .example.org")

    assert found["allowed_hosts"] == ["api.example.com", ".example.org"]


@pytest.mark.parametrize("value", ["1", "TRUE", "yes"])
def test_truthy_spellings_turn_debug_on(value):
    assert facts(DEBUG=value)["debug"] is True


@pytest.mark.parametrize("value", ["0", "off"])
def test_falsy_spellings_keep_debug_off(value):
    assert facts(DEBUG=value, SECRET_KEY="k")["debug"] is False


@pytest.mark.parametrize("name", ["DEBUG", "SSO_REMOTE_USER_ENABLED"])
def test_bad_boolean_is_a_clear_configuration_error(name):
    result = run_probe(SECRET_KEY="k", **{name: "maybe"})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} must be a boolean" in result.stderr
    assert "'maybe'" in result.stderr


@pytest.mark.parametrize("name", ["SESSION_COOKIE_AGE", "ACCESS_TOKEN_EXPIRE_SECONDS"])
def test_bad_integer_is_a_clear_configuration_error(name):
    result = run_probe(DEBUG="true", **{name: "ten"})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} must be an integer" in result.stderr


def test_integer_settings_come_from_the_environment():
    assert facts(DEBUG="true", SESSION_COOKIE_AGE="600")["session_cookie_age"] == 600


def test_sso_without_trusted_proxies_refuses_to_start():
    result = run_probe(DEBUG="true", SSO_REMOTE_USER_ENABLED="true")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SSO_TRUSTED_PROXIES" in result.stderr


@pytest.mark.parametrize("extra", [{"SSO_TRUSTED_PROXIES": "10.0.0.5"}, {"SSO_TRUST_ALL_PEERS": "true"}])
def test_sso_starts_once_the_trusted_peers_are_said(extra):
    assert facts(DEBUG="true", SSO_REMOTE_USER_ENABLED="true", **extra)["debug"] is True
