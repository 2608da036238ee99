"""manage.py notify_expiring_tokens: one email per owner, once per token and expiry, never a value."""

import io
import os
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from activity.models import ActivityEntry
from tests import factories
from tokens.models import AccessToken


def run(*args) -> str:
    out = io.StringIO()
    call_command("notify_expiring_tokens", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def in_days(days: float):
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def tokens(org):
    """alice: two tokens due within a week, one later; bob: one due; carol: due but no email."""
    alice = factories.user("alice", member_of=[org], email="alice@example.com")
    bob = factories.user("bob", email="bob@example.com")
    carol = factories.user("carol")
    app = factories.application(org, "Deploy bot")
    made = {
        "alice-soon": factories.personal_token(alice, description="ci runner", expires=in_days(2)),
        "alice-app": factories.application_token(alice, app, description="deploys"),
        "alice-later": factories.personal_token(alice, description="later", expires=in_days(30)),
        "bob-soon": factories.personal_token(bob, description="backup job", expires=in_days(6)),
        "carol-soon": factories.personal_token(carol, description="carol's", expires=in_days(1)),
    }
    AccessToken.objects.filter(pk=made["alice-app"].token.pk).update(expires=in_days(3))
    return {"alice": alice, "bob": bob, "carol": carol, **made}


def _by_recipient():
    return {message.to[0]: message for message in mail.outbox}


def test_one_email_per_owner_listing_their_expiring_tokens(tokens):
    output = run("--days", "7")

    messages = _by_recipient()
    assert set(messages) == {"alice@example.com", "bob@example.com"}
    alice = messages["alice@example.com"]
    assert "2 of your API token(s) expire within 7 day(s)" in alice.subject
    assert "ci runner [personal access token]" in alice.body
    assert "deploys [application Deploy bot]" in alice.body
    assert f"...{tokens['alice-soon'].token.token_hint}" in alice.body
    assert tokens["alice-soon"].token.expires.isoformat(timespec="minutes") in alice.body
    assert "later" not in alice.body
    assert "backup job" in messages["bob@example.com"].body
    assert "Emailed 2 owner(s) about 3 token(s) expiring within 7 day(s)" in output
    assert "skipped 1 owner(s) without an email address" in output
    assert "Skipped carol: no email address." in output


def test_no_email_contains_a_token_value(tokens):
    run()

    values = [issued.value for key, issued in tokens.items() if key not in {"alice", "bob", "carol"}]
    values += [issued.refresh_value for key, issued in tokens.items() if getattr(issued, "refresh_value", None)]
    for message in mail.outbox:
        text = message.subject + message.body
        for value in values:
            assert value not in text and value[-30:] not in text


def test_running_again_sends_nothing_new(tokens):
    run("--days", "7")
    mail.outbox.clear()

    output = run("--days", "7")

    assert mail.outbox == []
    assert "Emailed 0 owner(s) about 0 token(s)" in output
    # Owners without an address are still counted: they could add one.
    assert "skipped 1 owner(s)" in output


def test_a_renewed_token_is_announced_again_for_its_new_expiry(tokens, client_for):
    run()
    mail.outbox.clear()
    token = tokens["alice-soon"].token
    renewed = client_for(tokens["alice"]).patch(
        f"/api/v2/tokens/{token.pk}/", {"expires": in_days(5).isoformat()}, format="json"
    )
    assert renewed.status_code == 200, renewed.content

    run()

    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    assert "ci runner" in mail.outbox[0].body
    assert "deploys" not in mail.outbox[0].body


def test_a_wider_window_announces_the_later_tokens(tokens):
    run("--days", "7")
    mail.outbox.clear()

    run("--days", "31")

    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    assert "later" in mail.outbox[0].body and "ci runner" not in mail.outbox[0].body


def test_revoked_expired_and_inactive_owners_tokens_are_not_announced(tokens, superuser, client_for):
    client_for(superuser).delete(f"/api/v2/tokens/{tokens['alice-soon'].token.pk}/")
    AccessToken.objects.filter(pk=tokens["alice-app"].token.pk).update(expires=timezone.now() - timedelta(hours=1))
    tokens["bob"].is_active = False
    tokens["bob"].save()

    output = run()

    assert mail.outbox == []
    assert "Emailed 0 owner(s)" in output


def test_a_failed_delivery_is_retried_next_time(tokens):
    with mock.patch("tokens.notifications.send_mail", side_effect=OSError("connection refused")):
        output = run()
    assert "Emailed 0 owner(s)" in output and "2 failed" in output
    assert not AccessToken.objects.filter(expiry_notified_for__isnull=False).exists()

    run()

    assert {message.to[0] for message in mail.outbox} == {"alice@example.com", "bob@example.com"}


def test_notifying_never_bumps_modified(tokens):
    before = dict(AccessToken.objects.values_list("pk", "updated"))

    run()

    assert dict(AccessToken.objects.values_list("pk", "updated")) == before


def test_the_run_is_recorded_in_the_activity_stream(tokens):
    run("--days", "7")

    entry = ActivityEntry.objects.get(object_type="token_expiry_notice")
    assert entry.changes["emailed"] == 2 and entry.changes["tokens"] == 3 and entry.changes["skipped"] == 1


@pytest.mark.parametrize("days", ["0", "-1", "366"])
def test_a_window_out_of_range_is_refused(db, days):
    with pytest.raises(CommandError, match="--days must be between 1 and 365"):
        run("--days", days)


def test_the_default_backend_prints_to_the_console(tokens, settings, capsys):
    import tokensvc.settings as configured

    if "EMAIL_BACKEND" not in os.environ:
        assert configured.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    run()

    printed = capsys.readouterr().out
    assert "To: alice@example.com" in printed
    assert "ci runner" in printed
