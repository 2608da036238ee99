"""Access policies for users and organizations, registered into the access core; every `can_*` returns a Decision."""

from django.db.models import Q

from tokensvc.access import BaseAccess, Decision, register

from .models import Membership, Organization, User
from .roles import Perm

# What a user may change on their own account.
SELF_EDITABLE = frozenset({"first_name", "last_name", "email", "password"})
# What only a system administrator may grant.
SYSTEM_FLAGS = ("is_superuser", "is_system_auditor")
# Sent with a change to prove who is asking; not a change itself.
PROOFS = frozenset({"current_password"})

OWN_PASSWORD_NEEDS_SIGN_IN = (
    "Changing your own password needs an interactive sign-in (a browser session or HTTP Basic "
    "authentication) and your current password; a token cannot do it."
)


def _changed(instance, data: dict) -> set[str]:
    changed = set()
    for name, value in (data or {}).items():
        if name in PROOFS:
            continue
        if name == "password" or getattr(instance, name, None) != value:
            changed.add(name)
    return changed


@register
class UserAccess(BaseAccess):
    """Users.

    - A system administrator or system auditor sees every user; anyone else sees
      themselves and the users who share an organization with them (in any role).
    - Only a system administrator creates and deletes users, and nobody deletes themselves.
    - A system administrator changes any user. Any other user changes only their own
      first name, last name, email and password.
    - Anyone, a system administrator included, changes their own password only when signed
      in interactively (a browser session or HTTP Basic, never a token of any kind, so a
      stolen token cannot take over its owner's account) and only with their current
      password (`current_password`, checked by `services.user_update`). A system
      administrator resets another user's password without it, with a token too (the awx
      CLI does so); the activity stream records who reset whose password.
    - Nobody, a system administrator included, gives a local password to an account of an
      external authentication provider: it signs in through its provider only (refused by
      `services.user_update` with a 400, and by `users.backends.LocalPasswordBackend`).
    - Only a system administrator grants or removes `is_superuser` / `is_system_auditor`.
    - Who may revoke a user's tokens at once is a rule of the tokens' policy
      (`AccessTokenAccess.can_revoke_tokens`).
    - A token bound to an organization reaches the organization's members (any role) and
      its own user, and creates no user.
    """

    model = User

    def bound(self, queryset, organization_id):
        members = Membership.objects.filter(organization_id=organization_id).values("user_id")
        return queryset.filter(Q(pk=self.user.pk) | Q(pk__in=members))

    def visible(self):
        users = User.objects.all()
        if self.sees_everything:
            return users
        shared_orgs = Membership.objects.filter(user_id=self.user.pk).values("organization_id")
        colleagues = Membership.objects.filter(organization_id__in=shared_orgs).values("user_id")
        return users.filter(Q(pk=self.user.pk) | Q(pk__in=colleagues))

    def can_add(self, obj=None, data=None):
        return Decision.when(self.is_superuser)

    def can_change(self, obj=None, data=None):
        own = obj is not None and obj.pk == self.user.pk
        if own and "password" in (data or {}) and self.credential is not None:
            return Decision.deny(OWN_PASSWORD_NEEDS_SIGN_IN)
        if self.is_superuser:
            return Decision.allow()
        if not own:
            return Decision.deny()
        changed = _changed(obj, data)
        flags = changed.intersection(SYSTEM_FLAGS)
        if flags:
            return Decision.deny(f"Only a system administrator can change {', '.join(sorted(flags))}.")
        others = changed - SELF_EDITABLE
        if others:
            return Decision.deny(f"You can change only your name, email and password, not {', '.join(sorted(others))}.")
        return Decision.allow()

    def can_delete(self, obj=None, data=None):
        if not self.is_superuser:
            return Decision.deny()
        if obj is not None and obj.pk == self.user.pk:
            return Decision.deny("You cannot delete your own account.")
        return Decision.allow()


@register
class OrganizationAccess(BaseAccess):
    """Organizations.

    - A system administrator or system auditor sees every organization; anyone else sees
      the organizations where they hold a role.
    - Only a system administrator creates and deletes organizations.
    - A system administrator or an admin of the organization changes it and manages its
      members, admins and auditors: they may give any user (named by id) a role in it, and
      take it away. An admin counts as a member, so removing someone from the members also
      removes their admin role.
    - A token bound to an organization reaches that organization only, and creates none.
    """

    model = Organization

    def bound(self, queryset, organization_id):
        return queryset.filter(pk=organization_id)

    def visible(self):
        organizations = Organization.objects.all()
        if self.sees_everything:
            return organizations
        return organizations.filter(pk__in=self.org_ids_query(Perm.VIEW_ORGANIZATION))

    def can_add(self, obj=None, data=None):
        return Decision.when(self.is_superuser)

    def can_change(self, obj=None, data=None):
        if self.is_superuser:
            return Decision.allow()
        return Decision.when(obj is not None and obj.pk in self.org_ids(Perm.CHANGE_ORGANIZATION))

    def can_delete(self, obj=None, data=None):
        return Decision.when(self.is_superuser)

    def can_associate(self, obj=None, data=None):
        if self.is_superuser:
            return Decision.allow()
        return Decision.when(obj is not None and obj.pk in self.org_ids(Perm.MANAGE_MEMBERS))
