"""Organization roles as data: which role grants which permission inside its organization.

Policies ask `roles_granting(permission)`; they never compare role names themselves.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    AUDITOR = "auditor", "Auditor"


class Perm(models.TextChoices):
    """What a role may do inside its organization."""

    VIEW_ORGANIZATION = "view_organization"
    CHANGE_ORGANIZATION = "change_organization"
    MANAGE_MEMBERS = "manage_members"
    VIEW_APPLICATIONS = "view_applications"
    MANAGE_APPLICATIONS = "manage_applications"
    VIEW_APPLICATION_TOKENS = "view_application_tokens"
    MANAGE_APPLICATION_TOKENS = "manage_application_tokens"
    # Being counted among the organization's members (an admin is implicitly a member).
    MEMBERSHIP = "membership"


_MEMBER = {Perm.VIEW_ORGANIZATION, Perm.VIEW_APPLICATIONS, Perm.MEMBERSHIP}
_AUDITOR = {Perm.VIEW_ORGANIZATION, Perm.VIEW_APPLICATIONS, Perm.VIEW_APPLICATION_TOKENS}
_ADMIN = (
    _MEMBER
    | _AUDITOR
    | {
        Perm.CHANGE_ORGANIZATION,
        Perm.MANAGE_MEMBERS,
        Perm.MANAGE_APPLICATIONS,
        Perm.MANAGE_APPLICATION_TOKENS,
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(_ADMIN),
    Role.MEMBER: frozenset(_MEMBER),
    Role.AUDITOR: frozenset(_AUDITOR),
}


def roles_granting(permission: str) -> list[str]:
    """The roles whose holders have `permission` in their organization."""
    return [role for role, perms in ROLE_PERMISSIONS.items() if permission in perms]
