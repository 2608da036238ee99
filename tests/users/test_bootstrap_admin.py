"""manage.py bootstrap_admin: the first superuser, created once, without prompts."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from activity.models import ActivityEntry
from users.models import User

GENERATED = re.compile(r"Generated password \(shown only this once\): (\S+)")


@pytest.fixture(autouse=True)
def _no_admin_env(monkeypatch):
    for name in ("ADMIN_USERNAME", "ADMIN_EMAIL", "ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def run(*args) -> str:
    out = io.StringIO()
    call_command("bootstrap_admin", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_generates_and_prints_a_password_once_on_creation():
    output = run()

    match = GENERATED.search(output)
    assert match, output
    password = match.group(1)
    assert len(password) >= 24
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.is_active
    assert admin.external_account is None
    assert admin.check_password(password)


@pytest.mark.django_db
def test_generated_passwords_differ_between_installations():
    first = GENERATED.search(run("--username", "one")).group(1)
    second = GENERATED.search(run("--username", "two")).group(1)
    assert first != second


@pytest.mark.django_db
def test_second_run_changes_nothing_and_prints_no_password():
    first = run()
    password = GENERATED.search(first).group(1)
    admin = User.objects.get(username="admin")
    hashed = admin.password

    second = run()

    assert "already exists" in second
    assert "password" not in second.lower()
    assert password not in second
    admin.refresh_from_db()
    assert admin.password == hashed
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_existing_user_is_left_alone_even_with_a_new_password_in_the_environment(monkeypatch):
    User.objects.create_user("admin", password="an-old-password-1234", is_superuser=False)
    monkeypatch.setenv("ADMIN_PASSWORD", "Brand-new-password-5678")

    output = run()

    assert "already exists" in output
    assert "Brand-new-password-5678" not in output
    admin = User.objects.get(username="admin")
    assert admin.check_password("an-old-password-1234")
    assert not admin.is_superuser


@pytest.mark.django_db
def test_takes_username_email_and_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("ADMIN_USERNAME", "boss")
    monkeypatch.setenv("ADMIN_EMAIL", "boss@example.com")
    monkeypatch.setenv("ADMIN_PASSWORD", "Correct-horse-battery-9")

    output = run()

    assert "Created superuser 'boss'" in output
    assert "Correct-horse-battery-9" not in output
    assert "Generated password" not in output
    boss = User.objects.get(username="boss")
    assert boss.email == "boss@example.com"
    assert boss.is_superuser
    assert boss.check_password("Correct-horse-battery-9")


@pytest.mark.django_db
def test_command_line_options_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("ADMIN_USERNAME", "from-env")
    monkeypatch.setenv("ADMIN_EMAIL", "env@example.com")

    run("--username", "from-cli", "--email", "cli@example.com")

    assert not User.objects.filter(username="from-env").exists()
    assert User.objects.get(username="from-cli").email == "cli@example.com"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "too short"),
        ("password123", "too common"),
        ("83749201938475", "entirely numeric"),
    ],
    ids=["too-short", "too-common", "numeric"],
)
def test_weak_password_is_refused_with_the_validator_message(monkeypatch, password, message):
    monkeypatch.setenv("ADMIN_PASSWORD", password)

    with pytest.raises(CommandError) as raised:
        run()

    assert "ADMIN_PASSWORD is not acceptable" in str(raised.value)
    assert message in str(raised.value)
    assert password not in str(raised.value)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_password_similar_to_the_username_is_refused(monkeypatch):
    monkeypatch.setenv("ADMIN_USERNAME", "superadministrator")
    monkeypatch.setenv("ADMIN_PASSWORD", "superadministrator1")

    with pytest.raises(CommandError, match="too similar"):
        run()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_invalid_username_and_email_are_refused():
    with pytest.raises(CommandError, match="Invalid username"):
        run("--username", "has spaces")
    with pytest.raises(CommandError, match="Invalid email"):
        run("--email", "not-an-address")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_refusal_exits_with_status_one(monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError) as raised:
        run()
    assert raised.value.returncode == 1


@pytest.mark.django_db
def test_creation_is_recorded_without_the_password(monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "Correct-horse-battery-9")

    run()

    entry = ActivityEntry.objects.get(object_type="user", operation="create")
    admin = User.objects.get(username="admin")
    assert entry.object_id == admin.pk
    assert entry.actor is None
    assert entry.changes["username"] == "admin"
    assert entry.changes["is_superuser"] is True
    assert "Correct-horse-battery-9" not in str(entry.changes)
    assert admin.password not in str(entry.changes)
