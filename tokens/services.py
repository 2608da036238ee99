"""Writes for tokens: issuing, updating, rotating and revoking; each records its activity without secrets.

Each write locks rows in the order of tokens/locks.py (the owner's user row, then access
tokens, then refresh tokens), and minting re-reads the locked owner: an inactive user gets
no token, whichever path asks.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import set_token_value

from applications.models import Application
from tokensvc import activity, runtime, tokenformat
from users.models import User

from .locks import InactiveUser, lock_active_user, lock_user
from .models import AccessToken, IssuedVia, RefreshToken

# Who performs a write, as the activity stream records it: the requester (anonymous on the
# /api/o/ endpoints) or None for the system itself (commands, the toolkit's own revocations).
Actor: TypeAlias = User | AnonymousUser | None

TOKEN_AUDITED_FIELDS = ("description", "scope", "expires")
# What a token's owner (or its manager) may change after creation.
TOKEN_EDITABLE_FIELDS = ("description", "scope", "expires")


@dataclass
class IssuedToken:
    """A new token with its values, which exist only here and in the create response."""

    token: AccessToken
    value: str
    refresh_value: str | None


def default_expiry() -> datetime:
    # The runtime setting, so a change made through the API applies to the next token.
    return timezone.now() + timedelta(seconds=runtime.get("ACCESS_TOKEN_EXPIRE_SECONDS"))


def _organization_id(token: AccessToken) -> int | None:
    application = token.application
    return application.organization_id if application is not None else None


@transaction.atomic
def token_issue(
    *,
    actor: Actor,
    user: User,
    application: Application | None = None,
    scope: str = "write",
    description: str = "",
    expires: datetime | None = None,
    rotated_from: AccessToken | None = None,
    token_family: uuid.UUID | None = None,
    issued_via: str = IssuedVia.API,
) -> IssuedToken:
    """Mint an access token (a PAT when `application` is None; an application token gets a refresh token).

    The refresh token starts a token family (or joins `token_family`), so that replaying a
    used refresh token revokes everything descended from it. A rotation starts a new family
    on purpose: whoever holds a leaked, rotated-away refresh token must not be able to revoke
    the owner's successor by replaying it.

    Raises InactiveUser (a PermissionDenied) when the owner is inactive, read under the lock
    of their row, so a deactivation committing meanwhile is either waited for or revokes this token.
    """
    lock_active_user(user.pk)
    value = tokenformat.generate(tokenformat.ACCESS if application else tokenformat.PERSONAL)
    token = AccessToken(
        user=user,
        application=application,
        scope=scope,
        description=description,
        expires=expires or default_expiry(),
        token_hint=tokenformat.hint(value),
        rotated_from=rotated_from,
        issued_via=issued_via,
    )
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
    changes = activity.snapshot(token, TOKEN_AUDITED_FIELDS + ("application", "user"))
    if rotated_from is not None:
        changes["rotated_from"] = rotated_from.pk
    activity.record(
        actor=actor,
        operation="create",
        object_type="o_auth2_access_token",
        obj=token,
        changes=changes,
        organization_id=_organization_id(token),
        subject_user_id=user.pk,
    )
    return IssuedToken(token=token, value=value, refresh_value=refresh_value)


class TokenRevoked(Exception):
    """The token was revoked before this write could change it: it is gone (404)."""


class TokenChanged(Exception):
    """The token changed after the request read it; the write was judged on a state that is no more."""


@transaction.atomic
def token_update(*, actor: Actor, token: AccessToken, data: dict[str, Any]) -> AccessToken:
    """Change the editable fields of a token (description, scope, expires); record what changed.

    `token` is the instance the access policy judged. Its row is locked and compared with it:
    if another request revoked the token meanwhile, TokenRevoked; if it changed the scope,
    expiry or owner, TokenChanged, so that (say) an admin's "no wider than now" is never
    applied to a scope the owner has narrowed since.
    """
    lock_user(token.user_id)  # step 1 of the lock order (tokens/locks.py), before the token row
    current = AccessToken.objects.select_for_update().filter(pk=token.pk).first()
    if current is None or current.revoked_at is not None:
        raise TokenRevoked()
    if any(getattr(current, name) != getattr(token, name) for name in ("scope", "expires", "user_id")):
        raise TokenChanged()
    editable = {name: value for name, value in data.items() if name in TOKEN_EDITABLE_FIELDS}
    with activity.recording_update(
        actor=actor,
        obj=token,
        object_type="o_auth2_access_token",
        fields=TOKEN_AUDITED_FIELDS,
        organization_id=_organization_id(token),
        subject_user_id=token.user_id,
    ):
        for name, value in editable.items():
            setattr(token, name, value)
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
    activity.record(
        actor=actor,
        operation="delete",
        object_type="o_auth2_access_token",
        obj=token,
        changes={"description": token.description},
        organization_id=_organization_id(token),
        subject_user_id=token.user_id,
    )
    return True


REVOKED_ROTATION_MESSAGE = "This token has been revoked; only a usable token can be rotated."
EXPIRED_ROTATION_MESSAGE = "This token has expired; only a usable token can be rotated. Renew it or create a new one."


@transaction.atomic
def token_rotate(*, actor: Actor, token: AccessToken, expires: datetime) -> IssuedToken:
    """Replace `token` by a new one with the same owner, application, scope and description.

    The old token is revoked (its tombstone names `actor`) in the same transaction as the
    new one is issued, so exactly one of them works at any time. The row is locked first:
    of two rotations of the same token, the second finds it revoked and fails.
    """
    # Re-read under the lock (the owner's row first, tokens/locks.py): the caller's instance
    # may predate a concurrent rotation.
    lock_user(token.user_id)
    current = AccessToken.objects.select_for_update().get(pk=token.pk)
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
    )
    token.revoked_at, token.revoked_by = current.revoked_at, current.revoked_by
    return issued
