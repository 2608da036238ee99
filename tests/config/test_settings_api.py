"""/api/v2/settings/: who reads and changes the runtime settings, validation, and effect without a restart."""

import os
import subprocess
import sys

import pytest

from activity.models import ActivityEntry
from config import runtime
from config.models import ConfigValue
from tests import factories
from tests.support.paths import PROJECT_DIR

URL = "/api/v2/settings/authentication/"


# (persona, method, expected status)
ACCESS = [
    ("superuser", "get", 200),
    ("superuser", "patch", 200),
    ("superuser", "put", 200),
    ("system_auditor", "get", 200),
    ("system_auditor", "patch", 403),
    ("system_auditor", "put", 403),
    ("org_admin", "get", 403),
    ("org_admin", "patch", 403),
    ("org_member", "get", 403),
    ("plain_user", "get", 403),
    ("plain_user", "patch", 403),
    ("anonymous", "get", 401),
    ("anonymous", "patch", 401),
]

FULL = {
    "OAUTH2_PROVIDER": {
        "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
        "REFRESH_TOKEN_EXPIRE_SECONDS": 7200,
        "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    },
    "ALLOW_OAUTH2_FOR_EXTERNAL_USERS": True,
    "PAT_MAX_LIFETIME_SECONDS": 86400,
    "PAT_DEFAULT_LIFETIME_SECONDS": 3600,
    "TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": False,
}


@pytest.mark.parametrize("name, method, status", ACCESS, ids=[f"{p}-{m}" for p, m, _ in ACCESS])
def test_access(persona, client_for, name, method, status):
    client = client_for(persona(name))
    body = {} if method == "get" else (FULL if method == "put" else {"ALLOW_OAUTH2_FOR_EXTERNAL_USERS": True})
    response = getattr(client, method)(URL, body, format="json") if method != "get" else client.get(URL)
    assert response.status_code == status, response.content
    if method != "get" and status == 200:
        # Every successful change is refused to a read-scoped token.
        read = client_for(persona(name), scope="read")
        again = getattr(read, method)(URL, body, format="json")
        assert again.status_code == 403
        assert "write" in again.json()["detail"]


def test_settings_root_lists_the_categories(client_for, superuser, system_auditor, plain_user):
    assert client_for(superuser).get("/api/v2/settings/").json() == {"authentication": URL}
    assert client_for(system_auditor).get("/api/v2/settings/").status_code == 200
    assert client_for(plain_user).get("/api/v2/settings/").status_code == 403
    assert client_for(superuser).get("/api/v2/").json()["settings"] == "/api/v2/settings/"


def test_get_shows_defaults(client_for, system_auditor, settings):
    body = client_for(system_auditor).get(URL).json()
    assert body == {
        "OAUTH2_PROVIDER": {
            "ACCESS_TOKEN_EXPIRE_SECONDS": settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"],
            "REFRESH_TOKEN_EXPIRE_SECONDS": settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"],
            "AUTHORIZATION_CODE_EXPIRE_SECONDS": settings.OAUTH2_PROVIDER["AUTHORIZATION_CODE_EXPIRE_SECONDS"],
        },
        "ALLOW_OAUTH2_FOR_EXTERNAL_USERS": False,
        "PAT_MAX_LIFETIME_SECONDS": None,
        "PAT_DEFAULT_LIFETIME_SECONDS": None,
        "TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": False,
    }


def test_partial_dict_updates_only_the_given_keys(client_for, superuser, settings):
    admin = client_for(superuser)
    response = admin.patch(URL, {"OAUTH2_PROVIDER": {"ACCESS_TOKEN_EXPIRE_SECONDS": 1000}}, format="json")
    assert response.status_code == 200
    lifetimes = response.json()["OAUTH2_PROVIDER"]
    assert lifetimes["ACCESS_TOKEN_EXPIRE_SECONDS"] == 1000
    assert lifetimes["REFRESH_TOKEN_EXPIRE_SECONDS"] == settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"]
    assert list(ConfigValue.objects.values_list("key", flat=True)) == ["ACCESS_TOKEN_EXPIRE_SECONDS"]
    assert admin.get(URL).json()["OAUTH2_PROVIDER"]["ACCESS_TOKEN_EXPIRE_SECONDS"] == 1000


def test_put_replaces_every_setting(client_for, superuser):
    admin = client_for(superuser)
    assert admin.put(URL, FULL, format="json").json() == FULL
    incomplete = admin.put(URL, {"ALLOW_OAUTH2_FOR_EXTERNAL_USERS": True}, format="json")
    assert incomplete.status_code == 400
    assert "OAUTH2_PROVIDER" in incomplete.json()


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"OAUTH2_PROVIDER": {"ACCESS_TOKEN_EXPIRE_SECONDS": 0}}, "OAUTH2_PROVIDER", "between 1"),
        ({"OAUTH2_PROVIDER": {"ACCESS_TOKEN_EXPIRE_SECONDS": -5}}, "OAUTH2_PROVIDER", "between 1"),
        ({"OAUTH2_PROVIDER": {"ACCESS_TOKEN_EXPIRE_SECONDS": "60"}}, "OAUTH2_PROVIDER", "integer"),
        ({"OAUTH2_PROVIDER": {"ACCESS_TOKEN_EXPIRE_SECONDS": 1.5}}, "OAUTH2_PROVIDER", "integer"),
        ({"OAUTH2_PROVIDER": {"ACCESS_TOKEN_EXPIRE_SECONDS": True}}, "OAUTH2_PROVIDER", "integer"),
        ({"OAUTH2_PROVIDER": {"ACCESS_TOKEN_EXPIRE_SECONDS": None}}, "OAUTH2_PROVIDER", "null"),
        ({"OAUTH2_PROVIDER": {"ACCESS_TOKEN_EXPIRE_SECONDS": 10**30}}, "OAUTH2_PROVIDER", "between 1"),
        ({"OAUTH2_PROVIDER": {"BOGUS": 1, "OTHER": 2}}, "OAUTH2_PROVIDER", "BOGUS, OTHER"),
        ({"OAUTH2_PROVIDER": [1, 2]}, "OAUTH2_PROVIDER", "object"),
        ({"ALLOW_OAUTH2_FOR_EXTERNAL_USERS": "yes"}, "ALLOW_OAUTH2_FOR_EXTERNAL_USERS", "true or false"),
        ({"ALLOW_OAUTH2_FOR_EXTERNAL_USERS": 1}, "ALLOW_OAUTH2_FOR_EXTERNAL_USERS", "true or false"),
        ({"PAT_MAX_LIFETIME_SECONDS": 0}, "PAT_MAX_LIFETIME_SECONDS", "between 1"),
        ({"PAT_MAX_LIFETIME_SECONDS": 100, "PAT_DEFAULT_LIFETIME_SECONDS": 200}, "PAT_DEFAULT_LIFETIME_SECONDS", "100"),
        ({"UNKNOWN_SETTING": 1}, "UNKNOWN_SETTING", "Unknown"),
    ],
)
def test_validation_names_the_field(client_for, superuser, body, field, words):
    response = client_for(superuser).patch(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert words in str(response.json()[field])
    assert not ConfigValue.objects.exists()


def test_non_object_body_is_400(client_for, superuser):
    response = client_for(superuser).patch(URL, [1, 2], format="json")
    assert response.status_code == 400


def test_nullable_lifetimes_accept_null(client_for, superuser):
    admin = client_for(superuser)
    admin.patch(URL, {"PAT_MAX_LIFETIME_SECONDS": 100}, format="json")
    response = admin.patch(URL, {"PAT_MAX_LIFETIME_SECONDS": None}, format="json")
    assert response.status_code == 200
    assert response.json()["PAT_MAX_LIFETIME_SECONDS"] is None


def test_changes_are_recorded_in_the_activity_stream(client_for, superuser):
    client_for(superuser).patch(
        URL,
        {"OAUTH2_PROVIDER": {"REFRESH_TOKEN_EXPIRE_SECONDS": 99}, "ALLOW_OAUTH2_FOR_EXTERNAL_USERS": True},
        format="json",
    )
    entry = ActivityEntry.objects.get(object_type="setting")
    assert entry.actor == superuser and entry.operation == "update"
    assert entry.changes["REFRESH_TOKEN_EXPIRE_SECONDS"][1] == 99
    assert entry.changes["ALLOW_OAUTH2_FOR_EXTERNAL_USERS"] == [False, True]
    # Setting the same values again changes nothing and records nothing.
    client_for(superuser).patch(URL, {"ALLOW_OAUTH2_FOR_EXTERNAL_USERS": True}, format="json")
    assert ActivityEntry.objects.filter(object_type="setting").count() == 1


def test_a_change_applies_to_the_next_request(client_for, superuser, org_member, org):
    from tests.support.oauth import app_with_secret, password_grant

    app, secret = app_with_secret(org)
    assert password_grant(app, secret, org_member).json()["expires_in"] == runtime.get("ACCESS_TOKEN_EXPIRE_SECONDS")
    client_for(superuser).patch(URL, {"OAUTH2_PROVIDER": {"ACCESS_TOKEN_EXPIRE_SECONDS": 77}}, format="json")
    assert password_grant(app, secret, org_member).json()["expires_in"] == 77


def _manage(db_url, *args, **kwargs):
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-only-secret-key-not-for-production",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        **kwargs,
    )


def test_a_change_made_in_one_process_is_seen_by_another(tmp_path):
    """Two separate processes share one database file: no restart and no cache in between."""
    db_url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    _manage(db_url, "migrate", "--no-input")
    read = "from config import runtime; print(runtime.get('ACCESS_TOKEN_EXPIRE_SECONDS'))"
    before = _manage(db_url, "shell", "-c", read).stdout.strip().splitlines()[-1]
    # The first process changes the setting through the API, as a superuser over HTTP Basic.
    change = (
        "import base64, json\n"
        "from django.test import Client\n"
        "from users.models import User\n"
        "User.objects.create_superuser('boss', password='pw-Secret-123')\n"
        "auth = 'Basic ' + base64.b64encode(b'boss:pw-Secret-123').decode()\n"
        "r = Client().patch('/api/v2/settings/authentication/', "
        "json.dumps({'OAUTH2_PROVIDER': {'ACCESS_TOKEN_EXPIRE_SECONDS': 4321}}), "
        "content_type='application/json', HTTP_AUTHORIZATION=auth)\n"
        "print(r.status_code)\n"
    )
    assert _manage(db_url, "shell", "-c", change).stdout.strip().splitlines()[-1] == "200"
    after = _manage(db_url, "shell", "-c", read).stdout.strip().splitlines()[-1]
    assert before != "4321"
    assert after == "4321"


def test_external_user_rule_reads_the_stored_value(client_for, superuser, org):
    from tokens.policy import external_user_denial

    user = factories.user("ext", external_account="saml")
    assert external_user_denial(user)
    client_for(superuser).patch(URL, {"ALLOW_OAUTH2_FOR_EXTERNAL_USERS": True}, format="json")
    assert external_user_denial(user) is None
