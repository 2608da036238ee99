"""revoke_oauth2_tokens, create_oauth2_token, cleanup_tokens and expire_sessions."""

import io
import logging
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activity.models import ActivityEntry
from config import runtime
from tests import factories
from tests.support.oauth import app_with_secret, bearer, password_grant
from tokens.models import AccessToken, Grant, RefreshToken


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _authenticates(value) -> bool:
    return Client().get("/api/v2/me/", **bearer(value)).status_code == 200


@pytest.fixture
def tokens(org, org_member, org_admin):
    app, secret = app_with_secret(org, name="Default Application")
    return {
        "member_app": password_grant(app, secret, org_member).json(),
        "member_pat": factories.personal_token(org_member),
        "admin_pat": factories.personal_token(org_admin),
        "app": (app, secret),
    }


# revoke_oauth2_tokens -------------------------------------------------------------


def test_revoke_everyones_access_tokens(tokens, caplog):
    values = [tokens["member_app"]["access_token"], tokens["member_pat"].value, tokens["admin_pat"].value]
    with caplog.at_level(logging.INFO, logger="tokensvc.commands"):
        output = run("revoke_oauth2_tokens")
    assert all(not _authenticates(value) for value in values)
    lines = output.strip().splitlines()
    assert len(lines) == 4
    assert any("user org_member, application Default Application" in line for line in lines)
    assert lines[-1] == "Revoked 3 access token(s)."
    for value in values + [tokens["member_app"]["refresh_token"]]:
        assert value not in output and value not in caplog.text
        assert value not in str(list(ActivityEntry.objects.values_list("changes", "object_repr")))
    assert "command=revoke_oauth2_tokens user=* access_tokens=3 refresh_tokens=0" in caplog.text
    assert AccessToken.objects.filter(revoked_at__isnull=True).count() == 0
    assert AccessToken.objects.count() == 3  # tombstones
    # Without --all the refresh token stays usable, as Tower's command leaves it.
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1
    assert ActivityEntry.objects.filter(object_type="o_auth2_access_token", operation="delete").count() == 4


def test_revoke_one_users_tokens_with_refresh(tokens, org_member):
    output = run("revoke_oauth2_tokens", "--user", org_member.username, "--all")
    assert not _authenticates(tokens["member_app"]["access_token"])
    assert not _authenticates(tokens["member_pat"].value)
    assert _authenticates(tokens["admin_pat"].value)
    assert RefreshToken.objects.get(user=org_member).revoked is not None
    assert output.strip().splitlines()[-1] == "Revoked 2 access token(s) and 1 refresh token(s)."
    app, secret = tokens["app"]
    from tests.support.oauth import refresh_grant

    assert refresh_grant(app, secret, tokens["member_app"]["refresh_token"]).status_code == 400


def test_revoke_refresh_is_the_older_name_of_all(tokens, org_member):
    output = run("revoke_oauth2_tokens", "--user", org_member.username, "--revoke_refresh")
    assert "1 refresh token(s)" in output


def test_revoke_twice_revokes_nothing_more(tokens):
    run("revoke_oauth2_tokens")
    assert run("revoke_oauth2_tokens").strip() == "Revoked 0 access token(s)."


def _queries_to_revoke(count, owner) -> int:
    for _ in range(count):
        factories.personal_token(owner)
    with CaptureQueriesContext(connection) as queries:
        run("revoke_oauth2_tokens", "--all")
    return len(queries)


def test_revoke_is_set_based(org_member):
    # The same statements for 2 tokens as for 40: no round trip per token.
    assert _queries_to_revoke(2, org_member) == _queries_to_revoke(40, org_member)


def test_revoke_works_a_chunk_at_a_time(org_member, monkeypatch):
    # Memory stays flat however many tokens there are: a fixed number of rows per chunk, every
    # chunk revoked and recorded, each token printed once, in id order.
    from tokens import services

    monkeypatch.setattr(services, "CHUNK", 3)
    ids = [factories.personal_token(org_member).token.pk for _ in range(8)]
    with CaptureQueriesContext(connection) as queries:
        output = run("revoke_oauth2_tokens", "--all")
    lines = output.strip().splitlines()
    assert lines[:-1] == [
        f"Revoked access token {pk}: user {org_member.username}, application (personal access token)"
        for pk in sorted(ids)
    ]
    assert lines[-1] == "Revoked 8 access token(s) and 0 refresh token(s)."
    assert not AccessToken.objects.filter(revoked_at__isnull=True).exists()
    recorded = ActivityEntry.objects.filter(object_type="o_auth2_access_token", operation="delete", object_id__in=ids)
    assert sorted(recorded.values_list("object_id", flat=True)) == sorted(ids)
    chunks = [query["sql"] for query in queries.captured_queries if "LIMIT 3" in query["sql"]]
    # Access tokens: two full chunks and the short one that ends the loop; refresh tokens: none.
    assert sum('FROM "tokens_accesstoken"' in sql for sql in chunks) == 3
    assert sum('FROM "tokens_refreshtoken"' in sql for sql in chunks) == 1


def test_revoke_for_an_unknown_user_fails(db):
    with pytest.raises(CommandError, match="^A user with that username does not exist.$"):
        call_command("revoke_oauth2_tokens", "--user", "ghost")


def test_revoke_unknown_user_exits_with_status_1(tmp_path):
    base = Path(__file__).resolve().parents[2]
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECRET_KEY": "test-only-secret-key-not-for-production",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=base, env=env, check=True, timeout=120)
    result = subprocess.run(
        [sys.executable, "manage.py", "revoke_oauth2_tokens", "--user", "ghost"],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "A user with that username does not exist." in result.stderr


# create_oauth2_token --------------------------------------------------------------------


def test_create_prints_only_a_working_value(org_member, caplog):
    with caplog.at_level(logging.INFO, logger="tokensvc.commands"):
        output = run("create_oauth2_token", "--user", org_member.username, "--scope", "read", "--description", "cli")
    value = output.strip()
    assert "\n" not in value and value.startswith("tsp_")
    assert _authenticates(value)
    token = AccessToken.objects.get(user=org_member)
    assert (token.scope, token.description, token.application) == ("read", "cli", None)
    assert value not in caplog.text
    assert "command=create_oauth2_token user=org_member" in caplog.text
    assert ActivityEntry.objects.filter(object_type="o_auth2_access_token", operation="create").exists()


def test_create_defaults_to_write(org_member):
    run("create_oauth2_token", "--user", org_member.username)
    assert AccessToken.objects.get(user=org_member).scope == "write"


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "--user option is required"),
        (("--user", "ghost"), "A user with that username does not exist."),
    ],
)
def test_create_errors(args, message, db):
    with pytest.raises(CommandError, match=message):
        call_command("create_oauth2_token", *args)
    assert not AccessToken.objects.exists()


def test_create_follows_the_pat_lifetime_policy(org_member):
    runtime.update({"PAT_MAX_LIFETIME_SECONDS": 3600})
    before = timezone.now()
    run("create_oauth2_token", "--user", "org_member")
    token = AccessToken.objects.get(user=org_member)
    assert before + timedelta(seconds=3590) <= token.expires <= timezone.now() + timedelta(seconds=3600)


def test_create_refuses_an_unknown_scope(org_member):
    with pytest.raises(CommandError):
        call_command("create_oauth2_token", "--user", org_member.username, "--scope", "admin")


# cleanup_tokens -------------------------------------------------------------------------------


def test_cleanup_deletes_only_what_cannot_be_used(org, org_member, tokens):
    past = timezone.now() - timedelta(days=1)
    expired_pat = factories.personal_token(org_member, expires=past)
    live_pat = tokens["member_pat"]
    # An expired access token that a live refresh token can still renew is kept.
    app_token = AccessToken.objects.get(application__isnull=False)
    AccessToken.objects.filter(pk=app_token.pk).update(expires=past)
    # A recently revoked refresh token stays (a replay must still be recognised as reuse);
    # one past the refresh lifetime goes, revoked or not.
    recently_revoked = factories.application_token(org_member, tokens["app"][0])
    RefreshToken.objects.filter(access_token=recently_revoked.token).update(revoked=timezone.now())
    too_old = factories.application_token(org_member, tokens["app"][0])
    lifetime = timedelta(seconds=runtime.get("REFRESH_TOKEN_EXPIRE_SECONDS"))
    RefreshToken.objects.filter(access_token=too_old.token).update(
        created=timezone.now() - lifetime - timedelta(minutes=1), revoked=timezone.now()
    )
    Grant.objects.create(
        application=tokens["app"][0],
        user=org_member,
        code="c1",
        expires=past,
        redirect_uri="https://c/cb",
        scope="read",
    )
    output = run("cleanup_tokens")
    assert output.strip() == ("Deleted 1 expired access token(s), 1 expired refresh token(s) and 1 expired grant(s).")
    assert RefreshToken.objects.filter(access_token=recently_revoked.token).exists()
    assert not RefreshToken.objects.filter(access_token=too_old.token).exists()
    assert not AccessToken.objects.filter(pk=expired_pat.token.pk).exists()
    assert AccessToken.objects.filter(pk=live_pat.token.pk).exists()
    assert AccessToken.objects.filter(pk=app_token.pk).exists()
    assert not Grant.objects.exists()
    assert ActivityEntry.objects.filter(object_type="token_cleanup").get().changes["access_tokens"] == 1


def test_cleanup_works_a_chunk_at_a_time(org_member, monkeypatch):
    from tokens.management.commands import cleanup_tokens

    monkeypatch.setattr(cleanup_tokens, "CHUNK", 2)
    past = timezone.now() - timedelta(days=1)
    expired = [factories.personal_token(org_member, expires=past).token.pk for _ in range(5)]
    # A successor's link to an expired predecessor is cleared, not a reason to keep either.
    successor = factories.personal_token(org_member)
    AccessToken.objects.filter(pk=successor.token.pk).update(rotated_from_id=expired[0])
    with CaptureQueriesContext(connection) as queries:
        output = run("cleanup_tokens")
    assert output.strip().startswith("Deleted 5 expired access token(s),")
    assert not AccessToken.objects.filter(pk__in=expired).exists()
    assert AccessToken.objects.get(pk=successor.token.pk).rotated_from_id is None
    chunks = [query["sql"] for query in queries.captured_queries if 'FROM "tokens_accesstoken"' in query["sql"]]
    assert sum("LIMIT 2" in sql for sql in chunks) == 3  # 2 + 2 + 1: the short chunk is the last


# expire_sessions -------------------------------------------------------------------------------


def test_expire_sessions_of_one_user(org_member, org_admin):
    member, admin = Client(), Client()
    member.force_login(org_member)
    admin.force_login(org_admin)
    assert member.get("/api/v2/me/").status_code == 200
    output = run("expire_sessions", "--user", org_member.username)
    assert output.strip() == "Ended 1 session(s) of user org_member."
    assert member.get("/api/v2/me/").status_code == 401
    assert admin.get("/api/v2/me/").status_code == 200
    assert ActivityEntry.objects.filter(object_type="session", subject_user=org_member).exists()


def test_expire_everyones_sessions(org_member, org_admin):
    for user in (org_member, org_admin):
        Client().force_login(user)
    assert run("expire_sessions").strip() == "Ended 2 session(s)."
    assert not Session.objects.exists()


def test_expire_sessions_unknown_user(db):
    with pytest.raises(CommandError, match="A user with that username does not exist."):
        call_command("expire_sessions", "--user", "ghost")


def test_clearsessions_still_works(org_member):
    Client().force_login(org_member)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    call_command("clearsessions")
    assert not Session.objects.exists()
