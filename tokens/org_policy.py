"""Writes of organizations' token policies: set one (creating it on its first change) and record what changed."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from activity import recorder
from users.models import Membership, Organization, User

from .models import OrganizationTokenPolicy
from .services import Actor

# The fields of a policy besides `exempt_users`, which is recorded as a sorted list of user ids.
POLICY_FIELDS = ("max_pat_lifetime_days", "restrict_global_pats", "restrict_full_scope_pats")


def organization_token_policy(organization: Organization) -> OrganizationTokenPolicy:
    """The organization's policy; an organization without one has the defaults (an unsaved row)."""
    found = OrganizationTokenPolicy.objects.filter(organization=organization).first()
    return found or OrganizationTokenPolicy(organization=organization)


def _state(policy: OrganizationTokenPolicy) -> dict[str, Any]:
    state: dict[str, Any] = {name: getattr(policy, name) for name in POLICY_FIELDS}
    state["exempt_users"] = sorted(policy.exempt_users.values_list("pk", flat=True)) if policy.pk else []
    return state


def _outsiders(organization: Organization, users: list[User]) -> list[int]:
    """The ids of `users` who hold no role in `organization`."""
    members = set(
        Membership.objects.filter(organization=organization, user__in=users).values_list("user_id", flat=True)
    )
    return sorted(user.pk for user in users if user.pk not in members)


@transaction.atomic
def organization_token_policy_update(
    *, actor: Actor, organization: Organization, values: dict[str, Any]
) -> OrganizationTokenPolicy:
    """Set the given fields of `organization`'s token policy; record one activity entry when anything changed.

    The first change creates the policy (recorded as `create`). `exempt_users` replaces the
    list, whose users must hold a role in the organization: the policy governs its members
    only, and nobody else is exempted from it. Tokens that exist keep working; the policy is
    applied when they are next created, renewed, widened, rebound or rotated (tokens/policy.py).
    """
    # Writers of one organization's policy take turns on its row, so the first creates the policy
    # and the second changes it, each recording what it saw.
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    exempt = values.get("exempt_users")
    if exempt is not None:
        outsiders = _outsiders(organization, list(exempt))
        if outsiders:
            ids = ", ".join(str(pk) for pk in outsiders)
            raise ValidationError(
                {
                    "exempt_users": [
                        f"Users {ids} hold no role in organization '{organization.name}'; exempt members only."
                    ]
                }
            )
    policy = organization_token_policy(organization)
    created = policy.pk is None
    before = _state(policy)
    for name in POLICY_FIELDS:
        if name in values:
            setattr(policy, name, values[name])
    changed = created or any(getattr(policy, name) != before[name] for name in POLICY_FIELDS)
    if exempt is not None and sorted(user.pk for user in exempt) != before["exempt_users"]:
        changed = True
    if not changed:
        return policy
    policy.save()
    if exempt is not None:
        policy.exempt_users.set(exempt)
    changes = recorder.diff(before, _state(policy))
    recorder.record(
        actor=actor,
        operation="create" if created else "update",
        obj=policy,
        changes=changes,
        organization_id=organization.pk,
    )
    return policy
