"""Writes for tokens: issuing, updating, rotating and revoking (one token or many); each records its activity.

Activity records never hold a value. Lifetimes and defaults come from tokens/policy.py: a
token issued or rotated without `expires` gets the policy's default for its kind.

Each write locks rows in the order of tokens/locks.py (the owners' user rows by id, then
access tokens by id, then refresh tokens by id, then authorization codes), and minting
re-reads the locked owner: an inactive user gets no token, whichever path asks. Revoking
many tokens is set-based (a few statements whatever the count, activity records inserted
in bulk); a revocation that is its own outermost transaction is run again when PostgreSQL
picks it as a deadlock or serialization victim (tokensvc/transactions.py), while inside a
caller's transaction the caller decides. With the user rows locked first, a token minted
concurrently either committed before the lock was granted, and is revoked, or waits and
finds its owner inactive.

Other apps do not call the revocations of many tokens: they announce what happened
(`users.signals.user_deactivated`, `applications.signals.application_deleting`) and
tokens/receivers.py answers here, in the same transaction.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from oauth2_provider.models import set_token_value

from activity import recorder
from activity.models import ActivityEntry
from applications.models import Application
from config import runtime
from tokensvc import tokenformat
from tokensvc.transactions import retrying
from tokensvc.types import type_name
from users.models import Organization, User

from . import notifications, policy
from .locks import InactiveUser, lock_active_user, lock_user, lock_users
from .models import AccessToken, Grant, IssuedVia, OrganizationTokenPolicy, RefreshToken

# Who performs a write, as the activity stream records it: the requester (anonymous on the
# /api/o/ endpoints) or None for the system itself (commands, the toolkit's own revocations).
Actor: TypeAlias = User | AnonymousUser | None

TOKEN_AUDITED_FIELDS = ("description", "scope", "expires", "organization")
# What a token's owner (or its manager) may change after creation.
TOKEN_EDITABLE_FIELDS = ("description", "scope", "expires", "organization")


@dataclass
class IssuedToken:
    """A new token with its values, which exist only here and in the create response."""

    token: AccessToken
    value: str
    refresh_value: str | None


def _organization_id(token: AccessToken) -> int | None:
    """The organization whose activity stream records the token: its binding, else its application's."""
    if token.organization_id is not None:
        return token.organization_id
    application = token.application
    return application.organization_id if application is not None else None


def _enforce_organization_rules(
    token: AccessToken, *, lifetime_only: bool = False, rules: list[OrganizationTokenPolicy] | None = None
) -> None:
    """Raise the organizations' PolicyViolation for a PAT in the state it is about to be saved in."""
    if token.application_id is not None or token.user is None:
        return
    violation = policy.organization_violation(
        user=token.user,
        organization_id=token.organization_id,
        scope=token.scope,
        expires=token.expires,
        lifetime_only=lifetime_only,
        rules=rules,
    )
    if violation is not None:
        raise violation


@transaction.atomic
def token_issue(
    *,
    actor: Actor,
    user: User,
    application: Application | None = None,
    scope: str = policy.DEFAULT_SCOPE,
    description: str = "",
    expires: datetime | None = None,
    rotated_from: AccessToken | None = None,
    token_family: uuid.UUID | None = None,
    issued_via: str = IssuedVia.API,
    organization: Organization | None = None,
) -> IssuedToken:
    """Mint an access token (a PAT when `application` is None; an application token gets a refresh token).

    Without `expires` the token gets the policy's default lifetime for its kind. A token
    bound to `organization` reaches only that organization's objects; a PAT must satisfy its
    organizations' token policy (policy.PolicyViolation otherwise).

    The refresh token starts a token family (or joins `token_family`), so that replaying a
    used refresh token revokes everything descended from it. A rotation starts a new family
    on purpose: whoever holds a leaked, rotated-away refresh token must not be able to revoke
    the owner's successor by replaying it.

    The owner of a new PAT is emailed about it (tokens/notifications.py), without its value.

    Raises InactiveUser (a PermissionDenied) when the owner is inactive, read under the lock
    of their row, so a deactivation committing meanwhile is either waited for or revokes this token.
    """
    lock_active_user(user.pk)
    personal = application is None
    # One read of the settings for the default and the maximum, which no settings change
    # overtakes before this token commits (config/runtime.py): the callers' earlier checks
    # of `expires` may have read settings that are no longer in force.
    settings = runtime.snapshot()
    if expires is not None:
        violation = policy.system_lifetime_violation(expires, personal=personal, values=settings)
        if violation is not None:
            raise violation
    value = tokenformat.generate(tokenformat.PERSONAL if personal else tokenformat.ACCESS)
    organization_id = organization.pk if organization is not None else None
    # A PAT's organizations' rules, read once for its default lifetime and for the check below.
    rules = policy.organization_rules(user, organization_id) if personal else []
    token = AccessToken(
        user=user,
        application=application,
        organization=organization,
        scope=scope,
        description=description,
        expires=expires
        or policy.default_expiry(
            personal=personal, user=user, organization_id=organization_id, values=settings, rules=rules
        ),
        token_hint=tokenformat.hint(value),
        rotated_from=rotated_from,
        issued_via=issued_via,
    )
    _enforce_organization_rules(token, rules=rules)
    set_token_value(token, value)
    token.save()
    refresh_value = None
    if application is not None:
        refresh_value = tokenformat.generate(tokenformat.REFRESH)
        refresh = RefreshToken(
            user=user, application=application, access_token=token, token_family=token_family or uuid.uuid4()
        )
        set_token_value(refresh, refresh_value)
        refresh.save()
    changes = recorder.snapshot(token, TOKEN_AUDITED_FIELDS + ("application", "user", "authorization_id"))
    if rotated_from is not None:
        changes["rotated_from"] = rotated_from.pk
    recorder.record(
        actor=actor,
        operation="create",
        obj=token,
        changes=changes,
        organization_id=_organization_id(token),
        subject_user_id=user.pk,
    )
    if application is None:
        # Whatever path made it (either API, a rotation, a command), the owner hears of a new
        # PAT, once it is committed: a rolled-back token was never created.
        transaction.on_commit(lambda: notifications.notify_pat_created(token))
    return IssuedToken(token=token, value=value, refresh_value=refresh_value)


class TokenRevoked(Exception):
    """The token was revoked before this write could change it: it is gone (404)."""


class TokenChanged(Exception):
    """The token changed after the request read it; the write was judged on a state that is no more."""


@transaction.atomic
def token_update(*, actor: Actor, token: AccessToken, data: dict[str, Any]) -> AccessToken:
    """Change the editable fields of a token (description, scope, expires, organization); record what changed.

    A renewal, a wider scope or a new binding of a PAT must satisfy its organizations' token
    policy as the token will be (policy.PolicyViolation otherwise); a mere description does
    not, so tokens made before a policy keep working until their next renewal.

    `token` is the instance the access policy judged. Its row is locked and compared with it:
    if another request revoked the token meanwhile, TokenRevoked; if it changed the scope,
    expiry, owner or binding, TokenChanged, so that (say) an admin's "no wider than now" is never
    applied to a scope the owner has narrowed since.
    """
    lock_user(token.user_id)  # step 1 of the lock order (tokens/locks.py), before the token row
    current = AccessToken.objects.select_for_update().filter(pk=token.pk).first()
    if current is None or current.revoked_at is not None:
        raise TokenRevoked()
    judged = ("scope", "expires", "user_id", "organization_id")
    if any(getattr(current, name) != getattr(token, name) for name in judged):
        raise TokenChanged()
    editable = {name: value for name, value in data.items() if name in TOKEN_EDITABLE_FIELDS}
    with recorder.recording_update(
        actor=actor,
        obj=token,
        fields=TOKEN_AUDITED_FIELDS,
        organization_id=_organization_id(token),
        subject_user_id=token.user_id,
    ):
        # A new expiry must fit the organizations' maximum lifetime. Only a longer life, a
        # wider scope or a new binding is judged by their other rules: a PAT that merely ends
        # sooner takes rights away.
        reexpires = "expires" in editable and editable["expires"] != token.expires
        renews = reexpires and editable["expires"] > token.expires
        if reexpires:
            # Judged again on the settings in force now, as token_issue does.
            violation = policy.system_lifetime_violation(
                editable["expires"], personal=token.application_id is None, values=runtime.snapshot()
            )
            if violation is not None:
                raise violation
        widens = "scope" in editable and policy.widens_scope(token.scope, editable["scope"])
        rebinds = "organization" in editable and getattr(editable["organization"], "pk", None) != token.organization_id
        for name, value in editable.items():
            setattr(token, name, value)
        if renews or widens or rebinds:
            _enforce_organization_rules(token)
        elif reexpires:
            _enforce_organization_rules(token, lifetime_only=True)
        if editable:
            token.save(update_fields=[*editable, "updated"])
    return token


@transaction.atomic
def token_revoke(*, actor: Actor, token: AccessToken) -> bool:
    """Revoke a token and its refresh token; False when it was already revoked, by anyone, even just now.

    `token` may be stale (read before a concurrent revocation committed): the tombstone is
    written by a conditional UPDATE, and only the request whose UPDATE changed the row
    records the revocation, so of simultaneous revocations exactly one counts.
    """
    if token.revoked_at is not None:
        return False
    lock_user(token.user_id)
    # The access token first, so the tombstone names who revoked it; the refresh token's own
    # revoke() then finds it revoked already and leaves it as it is.
    if not token.revoke(by=actor if getattr(actor, "is_authenticated", False) else None):
        return False
    for refresh in RefreshToken.objects.filter(access_token=token, revoked__isnull=True).order_by("pk"):
        refresh.revoke()
    recorder.record(
        actor=actor,
        operation="delete",
        obj=token,
        changes={"description": token.description},
        organization_id=_organization_id(token),
        subject_user_id=token.user_id,
    )
    return True


REVOKED_ROTATION_MESSAGE = "This token has been revoked; only a usable token can be rotated."
EXPIRED_ROTATION_MESSAGE = "This token has expired; only a usable token can be rotated. Renew it or create a new one."


@transaction.atomic
def token_rotate(*, actor: Actor, token: AccessToken, expires: datetime | None = None) -> IssuedToken:
    """Replace `token` by a new one with the same owner, application, scope and description.

    Without `expires` the new token gets the policy's default lifetime for its kind.

    The old token is revoked (its tombstone names `actor`) in the same transaction as the
    new one is issued, so exactly one of them works at any time. The row is locked first:
    of two rotations of the same token, the second finds it revoked and fails, with
    TokenChanged when `token` was still live as its caller read it (a concurrent rotation
    or revocation won), else with a ValidationError (rotating a revoked token).
    """
    # Re-read under the lock (the owner's row first, tokens/locks.py): the caller's instance
    # may predate a concurrent rotation.
    lock_user(token.user_id)
    current = AccessToken.objects.select_for_update().get(pk=token.pk)
    if current.revoked_at is not None and token.revoked_at is None:
        # Live when the request read it, revoked since: a concurrent rotation or revocation won.
        raise TokenChanged()
    if current.revoked_at is not None:
        raise ValidationError({"detail": [REVOKED_ROTATION_MESSAGE]})
    if current.is_expired():
        raise ValidationError({"detail": [EXPIRED_ROTATION_MESSAGE]})
    owner = current.user
    if owner is None:
        # The toolkit allows a token without an owner; none can be minted in its place.
        raise InactiveUser()
    token_revoke(actor=actor, token=current)
    issued = token_issue(
        actor=actor,
        user=owner,
        application=current.application,
        scope=current.scope,
        description=current.description,
        expires=expires,
        rotated_from=current,
        issued_via=current.issued_via,
        organization=current.organization,
    )
    token.revoked_at, token.revoked_by = current.revoked_at, current.revoked_by
    return issued


# Many tokens at once: a user's, an application's, a token family, or any set -----------------

CHUNK = 500


@dataclass(frozen=True)
class RevokedToken:
    """What may be shown about a revoked token: never its value."""

    id: int
    username: str
    application: str | None


@dataclass(frozen=True)
class Revocation:
    """What one revocation of many tokens changed."""

    tokens: list[RevokedToken] = field(default_factory=list)
    refresh_tokens: int = 0
    grants: int = 0


def revoke_access_tokens(
    queryset: QuerySet[AccessToken],
    *,
    actor: Actor = None,
    reason: str = "",
    organization_id: int | None = None,
    operation: str = "delete",
    notes: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None,
    report: Callable[[list[RevokedToken]], None] | None = None,
) -> list[RevokedToken]:
    """Tombstone every live access token of `queryset` (steps 1 and 2 of the lock order); return what was revoked.

    The tombstone is the one `AccessToken.revoke()` writes (`revoked_at`, `revoked_by`);
    each revoked token gets its own activity record (`operation`), inserted in bulk, in the
    stream of the token's organization (its binding, else its application's), else of
    `organization_id` (the organization whose admin revokes it). `notes(row)` adds to a
    record's changes what the caller knows about that token (never a value).

    The tokens are locked, revoked and recorded CHUNK at a time, by ascending id (the lock
    order holds across chunks), so memory stays flat however many there are. With `report`,
    each chunk's revoked tokens are handed to it instead of being collected and returned.
    """
    live = queryset.filter(revoked_at__isnull=True)
    lock_users(live.values("user_id"))
    now = timezone.now()
    by = actor if getattr(actor, "is_authenticated", False) else None
    revoked: list[RevokedToken] = []
    after = 0
    while True:
        rows = list(
            live.filter(pk__gt=after)
            .select_for_update(of=("self",))
            .order_by("pk")
            .values(
                "pk",
                "user_id",
                "user__username",
                "application__name",
                "application__organization_id",
                "organization_id",
                "description",
                "token_hint",
            )[:CHUNK]
        )
        if not rows:
            return revoked
        after = rows[-1]["pk"]
        AccessToken.objects.filter(pk__in=[row["pk"] for row in rows], revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by, updated=now
        )
        ActivityEntry.objects.bulk_create(
            [
                recorder.entry(
                    actor=by,
                    operation=operation,
                    object_type=type_name(AccessToken),
                    object_id=row["pk"],
                    object_repr=f"AccessToken #{row['pk']}",
                    changes={
                        **({"description": row["description"], "reason": reason} if reason else {}),
                        **(notes(row) if notes is not None else {}),
                    },
                    organization_id=row["organization_id"] or row["application__organization_id"] or organization_id,
                    subject_user_id=row["user_id"],
                )
                for row in rows
            ]
        )
        chunk = [RevokedToken(row["pk"], row["user__username"] or "", row["application__name"]) for row in rows]
        if report is not None:
            report(chunk)
        else:
            revoked.extend(chunk)
        if len(rows) < CHUNK:
            return revoked  # a short chunk is the last: no query to find nothing more


def revoke_refresh_tokens(queryset: QuerySet[RefreshToken]) -> int:
    """Mark every live refresh token of `queryset` revoked (step 3 of the lock order); return how many."""
    live = queryset.filter(revoked__isnull=True)
    lock_users(live.values("user_id"))
    now = timezone.now()
    count, after = 0, 0
    while True:
        # Locked by id before the UPDATE, which would otherwise lock them in whatever order it
        # meets them; a chunk at a time, by ascending id, so memory stays flat.
        locked = live.filter(pk__gt=after).select_for_update(of=("self",)).order_by("pk")
        ids = list(locked.values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return count
        after = ids[-1]
        count += RefreshToken.objects.filter(pk__in=ids, revoked__isnull=True).update(revoked=now, updated=now)
        if len(ids) < CHUNK:
            return count


def revoke_grants(queryset: QuerySet[Grant]) -> int:
    """Delete the authorization codes of `queryset` not yet exchanged (step 4 of the lock order); return how many.

    A pending code would otherwise still buy a token after a reactivation.
    """
    lock_users(queryset.values("user_id"))
    deleted, _ = queryset.delete()
    return deleted


@retrying
def tokens_revoke(
    *,
    actor: Actor = None,
    access_tokens: QuerySet[AccessToken],
    refresh_tokens: QuerySet[RefreshToken] | None = None,
    reason: str = "",
    organization_id: int | None = None,
    report: Callable[[list[RevokedToken]], None] | None = None,
) -> Revocation:
    """Revoke every live token of the given sets (querysets, e.g. filtered by ids, owner or application).

    Each revoked access token gets its own activity record (with `reason`, never a value),
    in the stream of `organization_id` when the token names no organization of its own.
    Refresh tokens are revoked only when `refresh_tokens` is given: without them, a refresh
    token may still obtain a new access token. `report`, if given, receives the revoked
    access tokens a chunk at a time instead of `Revocation.tokens` (see revoke_access_tokens).
    """
    revoked = revoke_access_tokens(
        access_tokens, actor=actor, reason=reason, organization_id=organization_id, report=report
    )
    refreshed = revoke_refresh_tokens(refresh_tokens) if refresh_tokens is not None else 0
    return Revocation(tokens=revoked, refresh_tokens=refreshed)


@retrying
def user_tokens_revoke(*, actor: Actor, user: User, reason: str) -> Revocation:
    """Revoke every credential of `user`: access tokens, refresh tokens and unused authorization codes.

    A deactivated account keeps nothing that could outlive a reactivation.
    """
    revocation = tokens_revoke(
        actor=actor,
        access_tokens=AccessToken.objects.filter(user=user),
        refresh_tokens=RefreshToken.objects.filter(user=user),
        reason=reason,
    )
    grants = revoke_grants(Grant.objects.filter(user=user))
    return Revocation(tokens=revocation.tokens, refresh_tokens=revocation.refresh_tokens, grants=grants)


@retrying
def token_family_revoke(*, token_family: uuid.UUID | None, reason: str) -> int:
    """Revoke every token descended from one authorization (refresh-token reuse was detected); return how many."""
    if not token_family:
        return 0
    family = RefreshToken.objects.filter(token_family=token_family)
    access = AccessToken.objects.filter(pk__in=family.values("access_token_id")) | AccessToken.objects.filter(
        source_refresh_token__token_family=token_family
    )
    revoked = revoke_access_tokens(access, reason=reason)
    revoke_refresh_tokens(family)
    return len(revoked)


@transaction.atomic
def application_tokens_delete(*, actor: Actor, application: Application) -> int:
    """Record the end of every token of an application about to be deleted; return how many.

    One `delete` record per access token, revoked or not, inserted in bulk; the tokens,
    refresh tokens and codes themselves go with the application (on_delete=CASCADE).
    """
    # In the model's order (newest first), the order in which they were always recorded.
    rows = list(AccessToken.objects.filter(application=application).values("pk", "user_id", "description"))
    ActivityEntry.objects.bulk_create(
        [
            recorder.entry(
                actor=actor,
                operation="delete",
                object_type=type_name(AccessToken),
                object_id=row["pk"],
                object_repr=f"AccessToken #{row['pk']}",
                changes={"description": row["description"], "application": application.pk},
                organization_id=application.organization_id,
                subject_user_id=row["user_id"],
            )
            for row in rows
        ],
        batch_size=CHUNK,
    )
    return len(rows)


# Values reported as leaked ---------------------------------------------------------------------

REPORTED_OPERATION = "revoke_reported"
REPORTED_REASON = "reported as leaked"
# Looked up when no reported value has the token format, so that the lookup runs all the same.
_NO_DIGEST = "0" * 64


def _reported_digests(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """(access-token digests, refresh-token digests) of the values in the token format with a correct checksum."""
    access, refresh = set(), set()
    for value in values:
        kind = tokenformat.kind(value)
        if kind in (tokenformat.PERSONAL, tokenformat.ACCESS):
            access.add(tokenformat.digest(value))
        elif kind == tokenformat.REFRESH:
            refresh.add(tokenformat.digest(value))
    return sorted(access) or [_NO_DIGEST], sorted(refresh) or [_NO_DIGEST]


@retrying
def revoke_reported(*, values: Iterable[str], reporter_address: str) -> list[RevokedToken]:
    """Revoke the live tokens among `values` reported as leaked by anyone; return the access tokens revoked.

    Only values in the token format with a correct checksum are looked up, by digest, in one
    query per table whatever their number; the rest are ignored. Revoked, expired and unknown
    values change nothing. What is revoked:
    - a personal access token or an application's access token, with its refresh token;
    - a refresh token, with every live token of its family: its access token, even expired
      (which the refresh token could otherwise renew), and any access token of the family
      still live. A refresh token that was used or revoked is no longer live and changes
      nothing: whoever reports an old value must not be able to end its successors, as
      anyone may report (replaying it at /api/o/token/ is what revokes a family then).

    Each revoked access token gets an activity record `revoke_reported` with its hint and
    `reporter_address`, never a value; its owner is emailed once the revocation is committed.
    The locks are taken in the order of tokens/locks.py: every owner involved, then access
    tokens, then refresh tokens.
    """
    access_digests, refresh_digests = _reported_digests(values)
    now = timezone.now()
    reported_access = list(
        AccessToken.objects.filter(token_checksum__in=access_digests, revoked_at__isnull=True, expires__gt=now)
        .order_by()
        .values_list("pk", "user_id")
    )
    reported_refresh = list(
        RefreshToken.objects.filter(
            token_checksum__in=refresh_digests,
            revoked__isnull=True,
            created__gt=policy.refresh_token_issued_after(now),
        )
        .order_by()
        .values_list("pk", "user_id", "token_family")
    )
    if not reported_access and not reported_refresh:
        return []
    access_ids = [pk for pk, _ in reported_access]
    refresh_ids = [pk for pk, _, _ in reported_refresh]
    families = sorted({family for _, _, family in reported_refresh if family is not None}, key=str)
    refresh = RefreshToken.objects.filter(
        Q(pk__in=refresh_ids) | Q(access_token_id__in=access_ids) | Q(token_family__in=families)
    )
    family = Q(pk__in=refresh.values("access_token_id")) | Q(source_refresh_token__token_family__in=families)
    access = AccessToken.objects.filter(
        Q(pk__in=access_ids)
        # The access token of a live refresh token, even expired: the refresh token renews it.
        | Q(pk__in=refresh.filter(revoked__isnull=True).values("access_token_id"))
        # Other access tokens of the families, while they work; an expired one is left as it is.
        | (family & Q(expires__gt=now))
    )
    # Step 1 for every owner at once, before any token row: a refresh token's owner is its
    # access token's, but the lock order must not rely on it.
    owners = {user for _, user in reported_access} | {user for _, user, _ in reported_refresh}
    lock_users(sorted(owners - {None}))
    revoked = revoke_access_tokens(
        access,
        reason=REPORTED_REASON,
        operation=REPORTED_OPERATION,
        notes=lambda row: {"token_hint": row["token_hint"], "remote_addr": reporter_address},
    )
    revoke_refresh_tokens(refresh)
    if revoked:
        ids = [token.id for token in revoked]
        transaction.on_commit(
            lambda: notifications.notify_reported_revocation(token_ids=ids, reporter_address=reporter_address, when=now)
        )
    return revoked
