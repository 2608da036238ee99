"""Writes for users, organizations and memberships; each records its activity."""

from django.db import transaction
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from oauth.revocation import revoke_access_tokens, revoke_grants, revoke_refresh_tokens
from tokensvc import activity
from tokensvc.transactions import retrying

from .models import Membership, Organization, User
from .roles import Role

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


@transaction.atomic
def user_create(*, actor, password: str | None = None, **fields) -> User:
    user = User(**fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    activity.record(
        actor=actor,
        operation="create",
        object_type="user",
        obj=user,
        changes=activity.snapshot(user, USER_AUDITED_FIELDS),
        subject_user_id=user.pk,
    )
    return user


@transaction.atomic
def user_update(*, actor, user: User, data: dict) -> User:
    # The row is locked first (the lock order of tokens/locks.py) and `is_active` read from
    # it: whatever mints a token locks the same row, so it either commits before this
    # deactivation, whose revocation then finds its token, or waits and finds the user inactive.
    locked = User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
    was_active = locked.is_active if locked is not None else user.is_active
    data = dict(data)
    password = data.pop("password", None)
    with activity.recording_update(
        actor=actor, obj=user, object_type="user", fields=USER_AUDITED_FIELDS, subject_user_id=user.pk
    ) as notes:
        for name, value in data.items():
            setattr(user, name, value)
        if password:
            user.set_password(password)
            notes["password"] = "changed"
        user.save()
    if was_active and not user.is_active:
        # A deactivated account keeps no credential that could outlive a reactivation.
        user_tokens_revoke(
            actor=actor,
            access_tokens=get_access_token_model().objects.filter(user=user),
            refresh_tokens=get_refresh_token_model().objects.filter(user=user),
            reason="user deactivated",
        )
        revoke_grants(get_grant_model().objects.filter(user=user))
    return user


@retrying
def user_tokens_revoke(*, actor, access_tokens, refresh_tokens, reason: str) -> int:
    """Revoke, set-based, every live token of the given querysets; return how many access tokens.

    Each revoked access token gets its own activity record (with `reason`, never a value).
    Refresh tokens are revoked too, so none of them can mint a new access token.
    """
    revoked = revoke_access_tokens(access_tokens, actor=actor, reason=reason)
    revoke_refresh_tokens(refresh_tokens)
    return len(revoked)


@transaction.atomic
def user_delete(*, actor, user: User) -> None:
    activity.record(actor=actor, operation="delete", object_type="user", obj=user, changes={"username": user.username})
    user.delete()


@transaction.atomic
def organization_create(*, actor, **fields) -> Organization:
    organization = Organization.objects.create(**fields)
    activity.record(
        actor=actor,
        operation="create",
        object_type="organization",
        obj=organization,
        changes=activity.snapshot(organization, ORGANIZATION_AUDITED_FIELDS),
        organization_id=organization.pk,
    )
    return organization


@transaction.atomic
def organization_update(*, actor, organization: Organization, data: dict) -> Organization:
    with activity.recording_update(
        actor=actor,
        obj=organization,
        object_type="organization",
        fields=ORGANIZATION_AUDITED_FIELDS,
        organization_id=organization.pk,
    ):
        for name, value in data.items():
            setattr(organization, name, value)
        organization.save()
    return organization


@transaction.atomic
def organization_delete(*, actor, organization: Organization) -> None:
    activity.record(
        actor=actor,
        operation="delete",
        object_type="organization",
        obj=organization,
        changes={"name": organization.name},
    )
    organization.delete()


@transaction.atomic
def membership_grant(*, actor, organization: Organization, user: User, role: Role) -> bool:
    """Give `user` `role` in `organization`; False when they already held it."""
    _, created = Membership.objects.get_or_create(organization=organization, user=user, role=role)
    if created:
        activity.record(
            actor=actor,
            operation="associate",
            object_type="organization",
            obj=organization,
            changes={"user": user.username, "role": str(role)},
            organization_id=organization.pk,
            subject_user_id=user.pk,
        )
    return created


@transaction.atomic
def membership_revoke(*, actor, organization: Organization, user: User, role: Role) -> bool:
    """Take `role` in `organization` away from `user`; False when they did not hold it."""
    deleted, _ = Membership.objects.filter(organization=organization, user=user, role=role).delete()
    if deleted:
        activity.record(
            actor=actor,
            operation="disassociate",
            object_type="organization",
            obj=organization,
            changes={"user": user.username, "role": str(role)},
            organization_id=organization.pk,
            subject_user_id=user.pk,
        )
    return bool(deleted)
