"""The awx CLI (awxkit 24.6.1), unmodified, against a live server: every command in `-f json` and `-f human`.

The client builds its commands from /api/, /api/v2/ and OPTIONS, so these runs check what it
reads there as much as the answers to the commands themselves.
"""

import json
import re

import pytest
import requests

from applications.models import Application
from tests import factories
from tests.support.awx_cli import Awx, awx_executable, table
from tokens.models import AccessToken
from users.models import Organization, User

FORMATS = ["json", "human"]
NEW_PASSWORD = "Tall-Giraffe-Sings-77"
PAGE_SIZE = 25


@pytest.fixture(scope="session")
def awx_path():
    return awx_executable()


@pytest.fixture
def awx(awx_path, live_server):
    return Awx(awx_path, live_server.url)


@pytest.fixture
def root(db):
    return factories.user("root", is_superuser=True)


@pytest.fixture
def token(root):
    return factories.personal_token(root).value


def me(live_server, token_value: str) -> requests.Response:
    return requests.get(f"{live_server.url}/api/v2/me/", headers={"Authorization": f"Bearer {token_value}"}, timeout=30)


def one(output: str, fmt: str) -> dict:
    """The single object a get, create or modify printed."""
    if fmt == "json":
        return json.loads(output)
    rows = table(output)
    assert len(rows) == 1, output
    return rows[0]


def listed(output: str, fmt: str) -> list[dict]:
    return json.loads(output)["results"] if fmt == "json" else table(output)


# Signing in -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_login_gives_a_working_token(awx, live_server, root, fmt):
    output = awx.ok("login", "-f", fmt, login=(root.username, factories.PASSWORD))

    if fmt == "json":
        value = json.loads(output)["token"]
    else:
        value = re.fullmatch(r"export CONTROLLER_OAUTH_TOKEN=(\S+)\n", output).group(1)
    answer = me(live_server, value)
    assert answer.status_code == 200
    assert answer.json()["results"][0]["username"] == "root"
    assert AccessToken.objects.get(user=root, application=None).scope == "write"


def test_a_wrong_password_gets_no_token(awx, root):
    result = awx.run("login", login=(root.username, "not-the-password"))
    assert "Error retrieving an OAuth2.0 token" in result.stdout + result.stderr
    assert '"token"' not in result.stdout and "CONTROLLER_OAUTH_TOKEN" not in result.stdout
    assert not AccessToken.objects.exists()


def test_a_session_sign_in_works(awx, root, settings):
    # The live server speaks plain HTTP: cookies marked Secure would never come back.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False

    rows = table(awx.ok("me", "-f", "human", login=(root.username, factories.PASSWORD)))

    assert rows == [{"id": str(root.pk), "username": "root"}]


@pytest.mark.parametrize("fmt", FORMATS)
def test_me(awx, root, token, fmt):
    rows = listed(awx.ok("me", "-f", fmt, token=token), fmt)

    assert [(str(row["id"]), row["username"]) for row in rows] == [(str(root.pk), "root")]


# Users --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_users_create_get_modify_delete(awx, token, fmt):
    name = f"bob_{fmt}"
    created = one(
        awx.ok(
            "users",
            "create",
            "--username",
            name,
            "--password",
            NEW_PASSWORD,
            "--first_name",
            "Bob",
            "--email",
            f"{name}@example.com",
            "--is_system_auditor",
            "true",
            "-f",
            fmt,
            token=token,
        ),
        fmt,
    )
    user = User.objects.get(username=name)
    assert str(created["id"]) == str(user.pk) and created["username"] == name
    assert (user.first_name, user.email, user.is_system_auditor) == ("Bob", f"{name}@example.com", True)
    assert user.check_password(NEW_PASSWORD)

    by_name = one(awx.ok("users", "get", name, "-f", fmt, token=token), fmt)
    by_id = one(awx.ok("users", "get", str(user.pk), "-f", fmt, token=token), fmt)
    assert by_name == by_id
    assert str(by_name["id"]) == str(user.pk)

    modified = one(awx.ok("users", "modify", name, "--last_name", "Jones", "-f", fmt, token=token), fmt)
    assert str(modified["id"]) == str(user.pk)
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Bob", "Jones")

    awx.ok("users", "delete", name, "-f", fmt, token=token)
    assert not User.objects.filter(username=name).exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_users_list_pages_filters_and_orders(awx, root, token, fmt):
    for index in range(PAGE_SIZE + 5):
        factories.user(f"user{index:02d}", first_name="Even" if index % 2 == 0 else "Odd")
    everyone = sorted(User.objects.values_list("username", flat=True))
    assert len(everyone) > PAGE_SIZE

    first_page = listed(awx.ok("users", "list", "-f", fmt, token=token), fmt)
    assert len(first_page) == PAGE_SIZE

    every = listed(awx.ok("users", "list", "--all", "-f", fmt, token=token), fmt)
    assert sorted(row["username"] for row in every) == everyone

    descending = listed(awx.ok("users", "list", "--all", "--order_by=-username", "-f", fmt, token=token), fmt)
    assert [row["username"] for row in descending] == everyone[::-1]

    evens = listed(
        awx.ok("users", "list", "--first_name", "Even", "--order_by", "username", "-f", fmt, token=token), fmt
    )
    assert [row["username"] for row in evens] == [f"user{index:02d}" for index in range(0, PAGE_SIZE + 5, 2)]


# Organizations ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_organizations(awx, token, fmt):
    name = f"Acme-{fmt}"
    created = one(
        awx.ok("organizations", "create", "--name", name, "--description", "Rockets", "-f", fmt, token=token), fmt
    )
    org = Organization.objects.get(name=name)
    assert (str(created["id"]), created["name"], org.description) == (str(org.pk), name, "Rockets")
    factories.organization("Zenith")

    rows = listed(awx.ok("organizations", "list", "--order_by=-name", "-f", fmt, token=token), fmt)
    assert [row["name"] for row in rows] == ["Zenith", name]
    assert one(awx.ok("organizations", "get", name, "-f", fmt, token=token), fmt)["name"] == name

    modified = one(awx.ok("organizations", "modify", name, "--description", "Anvils", "-f", fmt, token=token), fmt)
    assert str(modified["id"]) == str(org.pk)
    org.refresh_from_db()
    assert org.description == "Anvils"

    awx.ok("organizations", "delete", str(org.pk), "-f", fmt, token=token)
    assert not Organization.objects.filter(pk=org.pk).exists()


# Applications -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_applications(awx, token, org, fmt):
    name = f"Portal-{fmt}"
    created = one(
        awx.ok(
            "applications",
            "create",
            "--name",
            name,
            "--organization",
            org.name,
            "--client_type",
            "confidential",
            "--authorization_grant_type",
            "password",
            "--description",
            "Web portal",
            "-f",
            fmt,
            token=token,
        ),
        fmt,
    )
    app = Application.objects.get(name=name)
    assert str(created["id"]) == str(app.pk)
    assert (app.organization_id, app.client_type, app.authorization_grant_type, app.description) == (
        org.pk,
        "confidential",
        "password",
        "Web portal",
    )
    if fmt == "json":
        assert created["client_secret"] and created["client_secret"] != "************"

    rows = listed(awx.ok("applications", "list", "--organization", str(org.pk), "-f", fmt, token=token), fmt)
    assert [row["name"] for row in rows] == [name]
    fetched = one(awx.ok("applications", "get", name, "-f", fmt, token=token), fmt)
    assert str(fetched["id"]) == str(app.pk)
    if fmt == "json":
        assert fetched["client_secret"] == "************"

    awx.ok(
        "applications",
        "modify",
        name,
        "--description",
        "Intranet",
        "--redirect_uris",
        "https://p.example/cb",
        "-f",
        fmt,
        token=token,
    )
    app.refresh_from_db()
    assert (app.description, app.redirect_uris) == ("Intranet", "https://p.example/cb")

    awx.ok("applications", "delete", name, "-f", fmt, token=token)
    assert not Application.objects.filter(pk=app.pk).exists()


# Tokens -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens(awx, live_server, root, token, org, fmt):
    app = factories.application(org, name="Reporting")
    columns = ["--filter", "id,token,scope,description"] if fmt == "human" else []

    read = one(
        awx.ok(
            "tokens",
            "create",
            "--application",
            "Reporting",
            "--scope",
            "read",
            "--description",
            "dashboards",
            "-f",
            fmt,
            *columns,
            token=token,
        ),
        fmt,
    )
    issued = AccessToken.objects.get(pk=read["id"])
    assert (issued.application_id, issued.scope, issued.description, issued.user_id) == (
        app.pk,
        "read",
        "dashboards",
        root.pk,
    )
    assert me(live_server, read["token"]).status_code == 200
    refused = requests.post(
        f"{live_server.url}/api/v2/organizations/",
        json={"name": "Forbidden"},
        headers={"Authorization": f"Bearer {read['token']}"},
        timeout=30,
    )
    assert refused.status_code == 403

    personal = one(
        awx.ok("tokens", "create", "--scope", "write", "--description", "automation", "-f", fmt, *columns, token=token),
        fmt,
    )
    pat = AccessToken.objects.get(pk=personal["id"])
    assert (pat.application_id, pat.scope, pat.description) == (None, "write", "automation")
    assert me(live_server, personal["token"]).status_code == 200

    rows = listed(awx.ok("tokens", "list", "--order_by", "id", "-f", fmt, *columns, token=token), fmt)
    assert [str(row["id"]) for row in rows] == [
        str(pk) for pk in AccessToken.objects.order_by("id").values_list("pk", flat=True)
    ]
    assert {row["description"] for row in rows} >= {"dashboards", "automation"}
    assert all(row["token"] == "************" for row in rows)
    mine = listed(awx.ok("tokens", "list", "--application", "Reporting", "-f", fmt, *columns, token=token), fmt)
    assert [str(row["id"]) for row in mine] == [str(issued.pk)]

    fetched = one(awx.ok("tokens", "get", str(issued.pk), "-f", fmt, *columns, token=token), fmt)
    assert (fetched["scope"], fetched["description"]) == ("read", "dashboards")

    awx.ok("tokens", "delete", str(issued.pk), "-f", fmt, token=token)
    assert me(live_server, read["token"]).status_code == 401
    assert me(live_server, personal["token"]).status_code == 200
