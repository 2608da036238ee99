"""Writes for users, organizations and memberships; each records its activity.

A deactivation is announced (`signals.user_deactivated`) in its own transaction; the
tokens app revokes the user's credentials in answer, so both commit or neither does.
"""

from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from activity import recorder
from tokensvc import throttling

from .models import Membership, Organization, User, username_key
from .roles import Role
from .signals import user_deactivated

# Who performs a write, as the activity stream records it: the requester (request.user, which
# may be anonymous) or None for the system itself (a command such as bootstrap_admin).
Actor: TypeAlias = User | AnonymousUser | None

USER_AUDITED_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_superuser",
    "is_system_auditor",
    "is_active",
)
ORGANIZATION_AUDITED_FIELDS = ("name", "description")

USERNAME_TAKEN = "A user with that username already exists."
ORGANIZATION_NAME_TAKEN = "An organization with that name already exists."
CURRENT_PASSWORD_MISSING = "Your current password is required to change your password."
CURRENT_PASSWORD_WRONG = "Your current password is not correct."


def external_password_refusal(provider: str) -> str:
    return (
        f"Users of an external authentication provider ({provider}) have no local password: "
        "they sign in through their provider only."
    )


def _save_unique(obj: models.Model, *, field: str, message: str, same: dict[str, Any] | None = None) -> None:
    """Save `obj`; a unique `field` already taken, also by a concurrent write that won, is a 400 naming it.

    The serializer's uniqueness check runs before the write, outside its transaction, so two
    requests can both pass it; the database's unique constraint then decides, and the loser's
    IntegrityError becomes the same 400 as the check's. `same` is the lookup of a row that
    takes the name (by default, the same value of `field`).
    """
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        taken = type(obj)._default_manager.filter(**(same or {field: getattr(obj, field)}))
        if obj.pk is not None:
            taken = taken.exclude(pk=obj.pk)
        if not taken.exists():
            raise
        raise ValidationError({field: [message]}) from None


def _save_username(user: User) -> None:
    """Save `user`; a username equal to another's after NFKC and case folding is a 400 (User.username_key)."""
    _save_unique(user, field="username", message=USERNAME_TAKEN, same={"username_key": username_key(user.username)})


def _check_password_change(*, actor: Actor, user: User, current_password: str | None) -> None:
    """Refuse a new password for an external account, or for one's own account without the current one.

    Whether the request may change the password at all (never one's own with a token) is
    decided before, by UserAccess.can_change.
    """
    if user.is_external:
        # is_external means external_account is set; the `or ""` is for the type checker only.
        raise ValidationError({"password": [external_password_refusal(user.external_account or "")]})
    if actor is not None and actor.pk == user.pk:
        if not current_password:
            raise ValidationError({"current_password": [CURRENT_PASSWORD_MISSING]})
        # A stolen session could guess the current password: it counts against the username's
        # limit (tokensvc/throttling.py) like a sign-in, asked before the password is hashed.
        counters = [throttling.Counter(throttling.USERNAME, user.get_username())]
        throttling.refuse_if_locked(counters)
        if not user.check_password(current_password):
            throttling.record_failure(counters)
            raise ValidationError({"current_password": [CURRENT_PASSWORD_WRONG]})


@transaction.atomic
def user_create(*, actor: Actor, password: str | None = None, **fields: Any) -> User:
    user = User(**fields)
    if password and user.is_external:  # so external_account is set (see _check_password_change)
        raise ValidationError({"password": [external_password_refusal(user.external_account or "")]})
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    _save_username(user)
    recorder.record(
        actor=actor,
        operation="create",
        obj=user,
        changes=recorder.snapshot(user, USER_AUDITED_FIELDS),
        subject_user_id=user.pk,
    )
    return user


@transaction.atomic
def user_update(*, actor: Actor, user: User, data: dict[str, Any], current_password: str | None = None) -> User:
    """Change `user`. A new password for one's own account needs `current_password`; see UserAccess."""
    # The row is locked first (the lock order of tokens/locks.py) and `is_active` read from
    # it: whatever mints a token locks the same row, so it either commits before this
    # deactivation, whose revocation then finds its token, or waits and finds the user inactive.
    locked = User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
    was_active = locked.is_active if locked is not None else user.is_active
    data = dict(data)
    password = data.pop("password", None)
    if password is not None:
        _check_password_change(actor=actor, user=user, current_password=current_password)
    with recorder.recording_update(actor=actor, obj=user, fields=USER_AUDITED_FIELDS, subject_user_id=user.pk) as notes:
        for name, value in data.items():
            setattr(user, name, value)
        if password:
            user.set_password(password)
            notes["password"] = "changed"  # recorded as "hidden": never the value
            if actor is not None and actor.pk != user.pk:
                notes["password_reset"] = f"{actor.get_username()} reset the password of {user.get_username()}"
        # Every session of the user checks a hash of the password, so a new password ends
        # them all; the view keeps the one that made the change (if it was a session).
        _save_username(user)
    if was_active and not user.is_active:
        # Still under the lock of the user's row: whoever holds credentials of the user
        # revokes them now, in this transaction.
        user_deactivated.send(sender=User, actor=actor, user=user)
    return user


@transaction.atomic
def user_delete(*, actor: Actor, user: User) -> None:
    recorder.record(actor=actor, operation="delete", obj=user, changes={"username": user.username})
    user.delete()


@transaction.atomic
def organization_create(*, actor: Actor, **fields: Any) -> Organization:
    organization = Organization(**fields)
    _save_unique(organization, field="name", message=ORGANIZATION_NAME_TAKEN)
    recorder.record(
        actor=actor,
        operation="create",
        obj=organization,
        changes=recorder.snapshot(organization, ORGANIZATION_AUDITED_FIELDS),
        organization_id=organization.pk,
    )
    return organization


@transaction.atomic
def organization_update(*, actor: Actor, organization: Organization, data: dict[str, Any]) -> Organization:
    with recorder.recording_update(
        actor=actor,
        obj=organization,
        fields=ORGANIZATION_AUDITED_FIELDS,
        organization_id=organization.pk,
    ):
        for name, value in data.items():
            setattr(organization, name, value)
        _save_unique(organization, field="name", message=ORGANIZATION_NAME_TAKEN)
    return organization


@transaction.atomic
def organization_delete(*, actor: Actor, organization: Organization) -> None:
    recorder.record(
        actor=actor,
        operation="delete",
        obj=organization,
        changes={"name": organization.name},
    )
    organization.delete()


@transaction.atomic
def membership_grant(*, actor: Actor, organization: Organization, user: User, role: Role) -> bool:
    """Give `user` `role` in `organization`; False when they already held it."""
    # Two concurrent grants of one role: the unique constraint refuses the second insert (in a
    # savepoint), and get_or_create then finds the first one's row, so the loser is a no-op.
    _, created = Membership.objects.get_or_create(organization=organization, user=user, role=role)
    if created:
        recorder.record(
            actor=actor,
            operation="associate",
            obj=organization,
            changes={"user": user.username, "role": str(role)},
            organization_id=organization.pk,
            subject_user_id=user.pk,
        )
    return created


@transaction.atomic
def membership_revoke(*, actor: Actor, organization: Organization, user: User, role: Role) -> bool:
    """Take `role` in `organization` away from `user`; False when they did not hold it."""
    deleted, _ = Membership.objects.filter(organization=organization, user=user, role=role).delete()
    if deleted:
        recorder.record(
            actor=actor,
            operation="disassociate",
            obj=organization,
            changes={"user": user.username, "role": str(role)},
            organization_id=organization.pk,
            subject_user_id=user.pk,
        )
    return bool(deleted)
