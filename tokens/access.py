"""Access policy for tokens, registered into the access core; every `can_*` returns a Decision."""

import operator
from functools import reduce

from django.db.models import Q
from oauth2_provider.models import get_application_model

from tokensvc.access import BaseAccess, Decision, check, register
from users.models import Membership, Organization
from users.roles import Perm

from . import policy
from .models import AccessToken, OrganizationTokenPolicy
from .policy import CREATE_FOR_OTHERS_MESSAGE


@register
class AccessTokenAccess(BaseAccess):
    """OAuth2 access tokens and personal access tokens (PATs, tokens without an application).

    - A revoked token is a tombstone: its detail answers 404 and it is in no list except
      `?status=revoked` / `?status=all`, shown to whoever could see the token before; nobody
      changes or deletes it.
    - A system administrator sees, changes and deletes every token.
    - A system auditor sees every token and changes or deletes only their own.
    - An admin of an organization sees, changes and deletes every token of the applications
      of that organization and every token bound to it; an auditor of the organization sees
      them. Neither sees the members' personal access tokens that are not bound to it.
    - Everyone sees, changes and deletes their own tokens.
    - Anyone may create a token for themselves only: a personal access token, or a token of
      an application they can see. Users of an external authentication provider create no
      token while ALLOW_OAUTH2_FOR_EXTERNAL_USERS is off.
    - Anything that lets a token do more than it can belongs to its owner or a system
      administrator: widening its scope (a scope is wider when it grants a right the current
      one does not; `write` implies `read`, so `write` and `read write` are the same), renewing
      it (any change of `expires`) and rotating it (which hands out a new value). The new
      token of a rotation keeps the owner.
    - An organization admin who manages a token they do not own may see it, change its
      `description`, narrow its scope (`write` to `read`: less than revoking, which they may
      do anyway) or restate it (`write` as `read write`), and revoke it; nothing else. The
      same holds for a superuser's token of the organization's applications. A change is
      judged against the token as the request saw it; if the token changed meanwhile, the
      write is refused rather than applied to a token nobody judged (tokens/services.py).
    - Rotating a revoked or expired token is bad input (400), not a matter of rights, so the
      tombstone check does not apply to rotation.
    - Rotating and renewing follow the rules of creating: an owner from an external
      authentication provider may not while ALLOW_OAUTH2_FOR_EXTERNAL_USERS is off.
    - While TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH is on, creating, rotating and renewing
      (changing `expires`) need a request authenticated by a session, HTTP Basic or a token
      of an authorization-code application: a personal access token or a password-grant
      token is refused.
    - The rules on lifetimes, external users, interactive sign-in and what only an owner
      may do are written once in tokens/policy.py; this class asks it.
    - A system administrator revokes all of a user's tokens at once, personal access tokens
      included. An admin of an organization the user belongs to (in any role) revokes at
      once the user's tokens of the applications of the organizations they administer, and
      once the user's tokens of the applications of the organizations they administer and
      the user's tokens bound to those organizations, and nothing else: never the user's
      unbound personal access tokens, never tokens of other organizations' applications
      (`can_revoke_tokens(user)`, `revocable_tokens(user)`).
    - Through the token admin API, a system administrator or an admin of organization O
      lists and revokes the personal access tokens of O's members (any role) that are usable
      in O: bound to O, or bound to none. That includes the members' unbound PATs, which the
      admin does not otherwise see: an unbound PAT opens O too, so O's admin may stop it.
      Nobody else may, a system auditor or an auditor of O included; a token bound to another
      organization may not either (`can_view_member_tokens(organization)`,
      `can_revoke_member_tokens(organization)`, `member_tokens(organization)`).
    - A token bound to an organization O reaches the tokens bound to O, the tokens of O's
      applications that are bound to no other organization, and its user's own unbound
      personal access tokens. It creates only tokens bound to O and moves no token out of O
      (binding one of those unbound tokens to O, or restating a binding, is no move); it
      rotates, renews and widens only tokens bound to O.
    - A token is bound (`organization`) only to an organization where its owner holds a role,
      a system administrator's to any. Whoever manages a token may bind it while it is bound
      to none, which narrows it; unbinding it or binding it to another organization widens
      it, so it belongs to the owner or a system administrator, under the rules of minting.
      An organization admin who manages a member's token never unbinds it.
    - The organizations' token policies (lifetime, unbound and write-scoped PATs) are judged
      by the services on the token as it will be saved (tokens/policy.py).
    """

    model = AccessToken
    select_related = ("user", "application", "organization", "revoked_by", "rotated_from")

    def _reasons(self) -> list[Q] | None:
        """Each reason the user may know of a token, or None when every token is theirs to see."""
        if self.sees_everything:
            return None
        if not self.user.is_authenticated:
            return []
        organizations = self.org_ids_query(Perm.VIEW_APPLICATION_TOKENS)
        applications = get_application_model().objects.filter(organization_id__in=organizations).values("pk")
        # On the token's own columns (no join), so that each can be answered by an index.
        return [
            Q(user_id=self.user.pk),
            Q(application_id__in=applications),
            Q(organization_id__in=organizations),
        ]

    def history(self):
        """The tokens the user may know of, revoked tombstones included (`?status=revoked|all`)."""
        tokens = AccessToken.objects.all()
        reasons = self._reasons()
        if reasons is None:
            return tokens
        if not reasons:
            return tokens.none()
        return tokens.filter(reduce(operator.or_, reasons))

    def for_listing(self, queryset):
        # The reasons ORed cannot use an index on PostgreSQL: a list scanned every token in the
        # table to find the few hundred a user sees. The same reasons united, one index scan
        # each, give the planner a small set of ids to start from; the OR still decides.
        reasons = self._reasons()
        if not reasons:
            return queryset
        tokens = AccessToken.objects.order_by()
        first, *rest = (tokens.filter(reason).values("pk") for reason in reasons)
        return queryset.filter(pk__in=first.union(*rest))

    def bound(self, queryset, organization_id):
        unbound = Q(organization__isnull=True)
        own_pats = Q(application__isnull=True, user_id=self.user.pk)
        applications = get_application_model().objects.filter(organization_id=organization_id).values("pk")
        return queryset.filter(
            Q(organization_id=organization_id) | unbound & (Q(application_id__in=applications) | own_pats)
        )

    BOUND_CREATE_MESSAGE = "A token bound to an organization can create only tokens bound to the same organization."
    BOUND_MOVE_MESSAGE = "A token bound to an organization cannot unbind a token or bind it to another organization."

    BOUND_MINT_MESSAGE = (
        "A token bound to an organization can rotate, renew or widen only tokens bound to the same organization."
    )

    def binding_denial(self, action, obj, data, organization_id):
        if isinstance(obj, AccessToken) and obj.organization_id != organization_id and self._mints(action, obj, data):
            # It reaches its owner's unbound tokens (to list, describe, narrow, revoke them), but
            # a new value, a longer life or a wider scope for one of them would hand the bound
            # credential's holder rights beyond the organization.
            return self.BOUND_MINT_MESSAGE
        if data is None or "organization" not in data:
            return None if action != "add" or data is None else self.BOUND_CREATE_MESSAGE
        organization = data["organization"]
        wanted = getattr(organization, "pk", organization)
        if wanted is not None and wanted == organization_id:
            return None
        if action != "add" and obj is not None and wanted == getattr(obj, "organization_id", None):
            return None  # restating the token's binding (a PUT of what was read) moves nothing
        return self.BOUND_CREATE_MESSAGE if action == "add" else self.BOUND_MOVE_MESSAGE

    @staticmethod
    def _mints(action, obj, data) -> bool:
        """Does `action` with `data` give `obj` a new value, a longer life or a wider scope?"""
        if action == "rotate":
            return True
        if action != "change" or not data:
            return False
        renews = "expires" in data and data["expires"] != obj.expires
        return renews or ("scope" in data and policy.widens_scope(obj.scope, data["scope"]))

    def visible(self):
        return self.history().filter(revoked_at__isnull=True)

    def can_add(self, obj=None, data=None):
        denial = policy.creation_denial(self.user, self.credential)
        if denial:
            return Decision.deny(denial)
        data = data or {}
        owner = data.get("user")
        if owner is not None and owner.pk != self.user.pk:
            return Decision.deny(CREATE_FOR_OTHERS_MESSAGE)
        denial = policy.binding_denial(self.user, data.get("organization"))
        if denial:
            return Decision.deny(denial)
        application = data.get("application")
        if application is None:
            return Decision.allow()
        # Whoever may see the application may hold a token of it: its own policy says who sees it.
        return check(self.actor, "view", get_application_model(), application)

    def _manages(self, obj) -> bool:
        if obj is not None and obj.revoked_at is not None:
            return False  # a tombstone is history: nothing about it changes any more
        return self._owns_or_administers(obj)

    def _owns_or_administers(self, obj) -> bool:
        if self.is_superuser:
            return True
        if obj is None:
            return False
        if obj.user_id == self.user.pk:
            return True
        managed = self.org_ids(Perm.MANAGE_APPLICATION_TOKENS)
        if obj.organization_id is not None and obj.organization_id in managed:
            return True
        return obj.application_id is not None and obj.application.organization_id in managed

    def can_change(self, obj=None, data=None):
        if not self._manages(obj):
            return Decision.deny()
        if obj is None or not data:
            return Decision.allow()
        if "expires" in data and data["expires"] != obj.expires:
            # A renewal mints lifetime as surely as a new token does.
            denial = self._mint_denial(obj, "renew")
            if denial:
                return Decision.deny(denial)
        if "scope" in data:
            denial = policy.widening_denial(self.user, self.credential, obj, data["scope"])
            if denial:
                return Decision.deny(denial)
        if "organization" in data:
            denial = policy.rebinding_denial(self.user, self.credential, obj, data["organization"])
            if denial:
                return Decision.deny(denial)
        return Decision.allow()

    def can_rotate(self, obj=None, data=None):
        if obj is None or not self._owns_or_administers(obj):
            return Decision.deny()
        denial = self._mint_denial(obj, "rotate")
        return Decision.deny(denial) if denial else Decision.allow()

    def _mint_denial(self, obj, verb: str) -> str | None:
        """Why the user may not give `obj` a new value or a longer life, or None."""
        return policy.mint_denial(self.user, self.credential, obj, verb)

    def can_delete(self, obj=None, data=None):
        return Decision.when(self._manages(obj))

    def can_revoke_tokens(self, obj=None, data=None):
        """May the user revoke at once the tokens of user `obj`?"""
        return Decision.when(self._revokes_tokens_of(obj))

    def _revokes_tokens_of(self, obj) -> bool:
        if self.is_superuser:
            return True
        if obj is None or not self.user.is_authenticated:
            return False
        managed = self.org_ids(Perm.MANAGE_APPLICATION_TOKENS)
        return Membership.objects.filter(user_id=obj.pk, organization_id__in=managed).exists()

    def can_view_member_tokens(self, obj=None, data=None):
        """May the user list the personal access tokens of organization `obj`'s members (read scope suffices)?"""
        return Decision.when(self._administers_member_tokens(obj))

    def can_revoke_member_tokens(self, obj=None, data=None):
        """May the user revoke personal access tokens of organization `obj`'s members?"""
        return Decision.when(self._administers_member_tokens(obj))

    def _administers_member_tokens(self, organization) -> bool:
        if organization is None or not self.user.is_authenticated:
            return False
        bound = self.actor.bound_organization_id
        if bound is not None and bound != organization.pk:
            return False
        return self.is_superuser or organization.pk in self.org_ids(Perm.MANAGE_APPLICATION_TOKENS)

    def member_tokens(self, organization):
        """The live personal access tokens of `organization`'s members usable in it (bound to it or to none).

        None unless the user administers them; a token bound to the organization reaches, as
        everywhere, only what `bound()` keeps (the members' PATs bound to it, and its user's own).
        """
        if not self._administers_member_tokens(organization):
            return AccessToken.objects.none()
        members = Membership.objects.filter(organization_id=organization.pk).values("user_id")
        tokens = AccessToken.objects.filter(
            Q(organization_id=organization.pk) | Q(organization__isnull=True),
            application__isnull=True,
            revoked_at__isnull=True,
            user_id__in=members,
        )
        bound = self.actor.bound_organization_id
        return tokens if bound is None else self.bound(tokens, bound)

    def revocable_tokens(self, obj, model=None):
        """The tokens of user `obj` (access tokens, or rows of `model`) the user may revoke at once."""
        model = model or AccessToken
        # Refresh tokens are bound through the access token they belong to.
        via = "" if model is AccessToken else "access_token__"
        tokens = model.objects.filter(user_id=obj.pk)
        if not self._revokes_tokens_of(obj):
            return tokens.none()
        if not self.is_superuser:
            managed = self.org_ids(Perm.MANAGE_APPLICATION_TOKENS)
            bound_to_managed = Q(**{f"{via}organization_id__in": managed})
            tokens = tokens.filter(Q(application__organization_id__in=managed) | bound_to_managed)
        bound = self.actor.bound_organization_id
        if bound is not None:
            # As `bound()`: bound to the organization, or of its applications and bound to none.
            unbound = Q(**{f"{via}organization__isnull": True})
            of_bound = Q(**{f"{via}organization_id": bound}) | unbound & Q(application__organization_id=bound)
            tokens = tokens.filter(of_bound)
        return tokens


@register
class OrganizationTokenPolicyAccess(BaseAccess):
    """Organizations' token policies (/organizations/{id}/token_policy/).

    - Whoever sees an organization reads its token policy: system administrators and system
      auditors, and the organization's admins, members and auditors. An organization without
      a policy of its own reads as the defaults.
    - A system administrator or an admin of the organization (who may change it) changes its
      policy; nobody else. Nobody creates or deletes a policy as such: the first change
      creates it, and it goes with its organization.
    - A token bound to an organization reaches that organization's policy only.
    """

    model = OrganizationTokenPolicy
    prefetch_related = ("exempt_users",)

    BOUND_MESSAGE = "A token bound to an organization reaches only that organization's token policy."

    def bound(self, queryset, organization_id):
        return queryset.filter(organization_id=organization_id)

    def binding_denial(self, action, obj, data, organization_id):
        if obj is not None and obj.organization_id != organization_id:
            return self.BOUND_MESSAGE
        return super().binding_denial(action, obj, data, organization_id)

    def visible(self):
        policies = OrganizationTokenPolicy.objects.all()
        if self.sees_everything:
            return policies
        if not self.user.is_authenticated:
            return policies.none()
        return policies.filter(organization_id__in=self.org_ids_query(Perm.VIEW_ORGANIZATION))

    def can_view(self, obj=None, data=None):
        # A policy not yet saved (an organization's defaults) has no row: its organization decides.
        return Decision.when(obj is None or bool(check(self.actor, "view", Organization, obj.organization)))

    def can_change(self, obj=None, data=None):
        if self.is_superuser:
            return Decision.allow()
        return Decision.when(obj is not None and obj.organization_id in self.org_ids(Perm.CHANGE_ORGANIZATION))
