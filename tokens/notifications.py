"""Email notices to token owners: expiring tokens, new PATs, PATs an admin revoked, tokens reported as leaked."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone

from .models import AccessToken

logger = logging.getLogger("tokensvc.notifications")


@dataclass
class NoticeSummary:
    """What one run did, by owner and by token."""

    emailed: list[str] = field(default_factory=list)  # usernames that got a message
    skipped: list[str] = field(default_factory=list)  # usernames without an email address
    failed: list[str] = field(default_factory=list)  # usernames whose message could not be sent
    tokens: int = 0  # tokens announced in the messages sent


def due(*, now: datetime, until: datetime):
    """Live tokens of active users expiring by `until`, not yet announced for their current expiry."""
    return (
        AccessToken.objects.filter(revoked_at__isnull=True, expires__gt=now, expires__lte=until, user__is_active=True)
        .filter(Q(expiry_notified_for__isnull=True) | ~Q(expiry_notified_for=F("expires")))
        .select_related("user", "application")
        .order_by("user_id", "expires", "pk")
    )


def describe(token: AccessToken) -> str:
    """One line about a token: what it is for and how to recognise it, never its value."""
    kind = f"application {token.application.name}" if token.application_id else "personal access token"
    description = token.description or "(no description)"
    hint = f"...{token.token_hint}" if token.token_hint else "(no hint)"
    expires = token.expires.isoformat(timespec="minutes")
    return f"- {description} [{kind}], ending {hint}, id {token.pk}, expires {expires}"


def message(user, tokens: list[AccessToken], days: int) -> tuple[str, str]:
    """(subject, body) of the notice to `user`."""
    count = len(tokens)
    subject = f"{count} of your API token(s) expire within {days} day(s)"
    lines = [
        f"Hello {user.get_username()},",
        "",
        f"The following API token(s) of yours expire within {days} day(s):",
        "",
        *(describe(token) for token in tokens),
        "",
        "Renew a token that is still needed by changing its expiry (PATCH /api/v2/tokens/{id}/",
        'with {"expires": ...}); create a new one if it has been revoked. Tokens you no longer',
        "need can simply be left to expire.",
    ]
    return subject, "\n".join(lines) + "\n"


def notify_expiring(*, days: int, now: datetime | None = None) -> NoticeSummary:
    """Email each owner about their tokens expiring within `days` days, then remember the notice.

    A token is announced once for a given expiry: renewing it changes `expires`, so the next
    window announces it again. Owners without an email address are skipped (and asked again
    next time); a failed delivery is retried on the next run.
    """
    now = now or timezone.now()
    until = now + timedelta(days=days)
    summary = NoticeSummary()
    for _, group in groupby(due(now=now, until=until), key=lambda token: token.user_id):
        tokens = list(group)
        user = tokens[0].user
        if not user.email:
            summary.skipped.append(user.get_username())
            continue
        subject, body = message(user, tokens, days)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception as error:  # any transport failure: the other owners still get theirs
            logger.warning("expiry notice to user=%s failed: %s", user.get_username(), type(error).__name__)
            summary.failed.append(user.get_username())
            continue
        # Only the expiry that was announced: a token renewed meanwhile stays due.
        for token in tokens:
            AccessToken.objects.filter(pk=token.pk, expires=token.expires).update(expiry_notified_for=token.expires)
        summary.emailed.append(user.get_username())
        summary.tokens += len(tokens)
    return summary


# A new personal access token ----------------------------------------------------------------


def pat_line(token: AccessToken, *, with_expiry: bool = False) -> str:
    """One line about a PAT: its description, hint and public id (and expiry), never its value."""
    description = token.description or "(no description)"
    hint = f"...{token.token_hint}" if token.token_hint else "(no hint)"
    line = f"- {description}, ending {hint}, authorizationId {token.authorization_id}"
    return f"{line}, expires {token.expires.isoformat(timespec='minutes')}" if with_expiry else line


def created_message(user, token: AccessToken) -> tuple[str, str]:
    """(subject, body) of the notice that `token` was created for `user`."""
    lines = [
        f"Hello {user.get_username()},",
        "",
        "A personal access token was created for your account:",
        "",
        pat_line(token, with_expiry=True),
        "",
        "If you did not create it, revoke it (DELETE /api/v2/tokens/{id}/ or the lifecycle API's DELETE",
        "with its authorizationId) and change your password.",
    ]
    return "A personal access token was created for your account", "\n".join(lines) + "\n"


def notify_pat_created(token: AccessToken) -> bool:
    """Email the owner of a new PAT about it; False when they have no address or delivery failed.

    Called once the token is committed; a failed delivery is logged and never undoes the token.
    """
    user = token.user
    if user is None or not user.email:
        return False
    subject, body = created_message(user, token)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception as error:  # any transport failure: the token exists all the same
        logger.warning("creation notice to user=%s failed: %s", user.get_username(), type(error).__name__)
        return False
    return True


# Personal access tokens an organization admin revoked -----------------------------------------


def by_reachable_owner(tokens, summary: NoticeSummary):
    """(owner, their tokens) of tokens ordered by owner; an owner without an email address is noted as skipped."""
    for _, group in groupby(tokens, key=lambda token: token.user_id):
        owned = list(group)
        user = owned[0].user
        if user is None or not user.email:
            if user is not None:
                summary.skipped.append(user.get_username())
            continue
        yield user, owned


def notify_admin_revocation(*, tokens: list[AccessToken], admin_name: str, organization_name: str) -> NoticeSummary:
    """Email each owner that an admin of the organization revoked these tokens of theirs.

    Sent after the revocation is committed; a failed delivery is logged and never undoes or
    fails the revocation (the activity stream holds the record either way).
    """
    summary = NoticeSummary()
    ordered = sorted(tokens, key=lambda token: (token.user_id, token.pk))
    for user, owned in by_reachable_owner(ordered, summary):
        subject = f"{len(owned)} of your personal access token(s) were revoked in {organization_name}"
        lines = [
            f"Hello {user.get_username()},",
            "",
            f"{admin_name}, an administrator of the organization {organization_name}, revoked the following",
            "personal access token(s) of yours. They no longer work.",
            "",
            *(pat_line(token) for token in owned),
            "",
            "Create a new token if you still need one.",
        ]
        try:
            send_mail(subject, "\n".join(lines) + "\n", settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception as error:  # any transport failure: the revocation stands, the other owners still hear
            logger.warning("revocation notice to user=%s failed: %s", user.get_username(), type(error).__name__)
            summary.failed.append(user.get_username())
            continue
        summary.emailed.append(user.get_username())
        summary.tokens += len(owned)
    return summary


# Tokens revoked because someone reported them as leaked ------------------------------------------


def reported_line(token: AccessToken) -> str:
    """One line about a reported token: its description, kind, hint and ids, never its value."""
    description = token.description or "(no description)"
    kind = f"application {token.application.name}" if token.application_id else "personal access token"
    hint = f"...{token.token_hint}" if token.token_hint else "(no hint)"
    return f"- {description} [{kind}], ending {hint}, id {token.pk}, authorizationId {token.authorization_id}"


def reported_message(user, tokens: list[AccessToken], *, reporter_address: str, when: datetime) -> tuple[str, str]:
    """(subject, body) of the notice that `tokens` of `user` were reported as leaked and revoked."""
    lines = [
        f"Hello {user.get_username()},",
        "",
        f"At {when.isoformat(timespec='seconds')}, the following API token(s) of yours were reported as",
        f"leaked (publicly exposed) from the address {reporter_address or '(unknown)'} and have been revoked.",
        "They no longer work, and an application token's refresh token was revoked with it.",
        "",
        *(reported_line(token) for token in tokens),
        "",
        "What to do next:",
        "- Find where the value was exposed (a repository, a log, a paste) and remove it there.",
        "- Create a new token where one is still needed (POST /api/v2/tokens/, or sign in again",
        "  to the application) and keep it out of source code, e.g. in a secret store.",
        "- Review the activity stream of your tokens (GET /api/v2/tokens/{id}/activity_stream/)",
        "  for use you do not recognise.",
    ]
    return f"{len(tokens)} of your API token(s) were reported as leaked and revoked", "\n".join(lines) + "\n"


def notify_reported_revocation(*, token_ids: list[int], reporter_address: str, when: datetime) -> NoticeSummary:
    """Email each owner that these tokens of theirs were reported as leaked and revoked.

    Called once the revocation is committed: one query for the tokens and their owners, then a
    message per owner. A failed delivery is logged and never undoes the revocation (the
    activity stream holds the record either way).
    """
    summary = NoticeSummary()
    tokens = (
        AccessToken.objects.filter(pk__in=token_ids).select_related("user", "application").order_by("user_id", "pk")
    )
    for user, owned in by_reachable_owner(tokens, summary):
        subject, body = reported_message(user, owned, reporter_address=reporter_address, when=when)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception as error:  # any transport failure: the revocation stands, the other owners still hear
            logger.warning("leak notice to user=%s failed: %s", user.get_username(), type(error).__name__)
            summary.failed.append(user.get_username())
            continue
        summary.emailed.append(user.get_username())
        summary.tokens += len(owned)
    return summary
