"""The rules about tokens, written once: who may hold one, how long it lives, and who may mint, renew or widen it.

Every path that issues or changes a token asks this module: the /api/v2/ views and
serializers (through tokens/access.py and the services), the /api/o/ validator, the
management commands and rotation. Views and serializers choose no defaults: the services
apply `default_expiry` when no `expires` is given.

Organizations add rules of their own for their members' personal access tokens
(`OrganizationTokenPolicy`: a maximum lifetime, no unbound PATs, no write-scoped PATs);
`organization_violation` applies them wherever a PAT is created, renewed, rotated, widened
or rebound, and `default_expiry` never picks a lifetime they refuse.

A token bound to an organization reaches only that organization's objects, so binding
narrows it and unbinding or moving it to another organization widens it:
- a token is bound only to an organization where its owner holds a role (any role; a
  system administrator's tokens to any organization), since the organization's admins and
  auditors then see it (`binding_denial`);
- binding an unbound token is for whoever manages it; unbinding a bound token or binding it
  to another organization is for its owner (or a system administrator), under the rules of
  minting, exactly as widening its scope (`rebinding_denial`).

Lifetimes come from the runtime settings. A personal access token gets
PAT_DEFAULT_LIFETIME_SECONDS when no `expires` is given (null: ACCESS_TOKEN_EXPIRE_SECONDS),
never more than PAT_MAX_LIFETIME_SECONDS (null: unlimited). An application token lives
ACCESS_TOKEN_EXPIRE_SECONDS, the lifetime its OAuth2 flow gives it, and may be given a
shorter one or renewed up to that again.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone

from config import runtime
from tokensvc.access.scopes import READ, WRITE
from users.models import Membership, User

from .models import AccessToken, OrganizationTokenPolicy

# The scope of a token created without one.
DEFAULT_SCOPE = WRITE

# Who may hold a token -----------------------------------------------------------------


def external_user_denial(user: User | AnonymousUser | None) -> str | None:
    """The refusal for a user of an external provider while ALLOW_OAUTH2_FOR_EXTERNAL_USERS is off."""
    provider = getattr(user, "external_account", None)
    if not provider or runtime.get("ALLOW_OAUTH2_FOR_EXTERNAL_USERS"):
        return None
    return f"OAuth2 Tokens cannot be created by users associated with an external authentication provider ({provider})"


# Lifetimes ------------------------------------------------------------------------------


def limits(*, personal: bool, values: dict[str, Any] | None = None) -> tuple[int, int | None]:
    """(default, maximum) lifetime in seconds; a maximum of None is unlimited.

    `values`: the runtime settings already read (`runtime.snapshot()`), so that a token's
    default and maximum come from one state of the settings; else they are read now.
    """
    values = runtime.current() if values is None else values
    access = values["ACCESS_TOKEN_EXPIRE_SECONDS"]
    if not personal:
        return access, access
    maximum = values["PAT_MAX_LIFETIME_SECONDS"]
    default = values["PAT_DEFAULT_LIFETIME_SECONDS"] or access
    if maximum is not None:
        default = min(default, maximum)
    return default, maximum


def default_lifetime(*, personal: bool, values: dict[str, Any] | None = None) -> int:
    """Seconds a token of that kind lives when nobody chose its expiry."""
    default, _ = limits(personal=personal, values=values)
    return default


def refresh_token_issued_after(now: datetime) -> datetime:
    """A refresh token issued at or before this moment is past REFRESH_TOKEN_EXPIRE_SECONDS (runtime value)."""
    return now - timedelta(seconds=int(runtime.get("REFRESH_TOKEN_EXPIRE_SECONDS")))


def default_expiry(
    *,
    personal: bool,
    user: User | None = None,
    organization_id: int | None = None,
    values: dict[str, Any] | None = None,
    rules: "Iterable[OrganizationTokenPolicy] | None" = None,
) -> datetime:
    """When a new token of that kind expires if nobody chose; for a PAT of `user`, within their organizations' rules.

    `rules`: `organization_rules(user, organization_id)` when the caller has read them already.
    """
    # The runtime settings, so a change made through the API applies to the next token.
    seconds = default_lifetime(personal=personal, values=values)
    if personal and user is not None:
        for rule in organization_rules(user, organization_id) if rules is None else rules:
            if rule.max_pat_lifetime_days is not None:
                seconds = min(seconds, rule.max_pat_lifetime_days * DAY)
    return timezone.now() + timedelta(seconds=seconds)


def expiry_problem(expires: datetime, *, personal: bool) -> str | None:
    """Why `expires` is refused, or None when it is allowed."""
    if expires <= timezone.now():
        return "The expiry must be in the future."
    return lifetime_problem(expires, personal=personal)


def lifetime_problem(expires: datetime, *, personal: bool, values: dict[str, Any] | None = None) -> str | None:
    """Why `expires` is beyond the system's maximum lifetime for a token of that kind, or None.

    `values`: the runtime settings already read (`runtime.snapshot()`); else they are read now.
    """
    now = timezone.now()
    _, maximum = limits(personal=personal, values=values)
    if maximum is not None and expires > now + timedelta(seconds=maximum):
        kind = "A personal access token" if personal else "An application token"
        latest = (now + timedelta(seconds=maximum)).isoformat(timespec="seconds")
        return f"{kind} may live at most {maximum} seconds: choose an expiry no later than {latest}."
    return None


@dataclass(frozen=True)
class LifetimeLimit:
    """The longest a new or renewed PAT may live for its owner and binding, and the rule that says so.

    `seconds` None: no limit. `reason` names the rule in words (the system's maximum or an
    organization's policy); `default_seconds` is what a token gets when nobody chooses.
    """

    seconds: int | None
    reason: str
    default_seconds: int

    def latest(self, now: datetime | None = None) -> datetime | None:
        """The latest expiry allowed from `now`, or None without a limit."""
        if self.seconds is None:
            return None
        return (now or timezone.now()) + timedelta(seconds=self.seconds)


def _duration(seconds: int) -> str:
    """A lifetime in words: whole days when it is whole days, else seconds."""
    return f"{seconds // DAY} day(s)" if seconds % DAY == 0 else f"{seconds} seconds"


NO_LIFETIME_LIMIT = "Neither the system nor an organization limits how long a personal access token lives."


def lifetime_limit(user: User, organization_id: int | None, *, personal: bool = True) -> LifetimeLimit:
    """The maximum lifetime of a token of `user` bound to `organization_id` (None: unbound), and why.

    The same rules `expiry_problem` and `organization_violation` apply, stated for a person
    choosing an expiry: for a PAT the strictest of the system's maximum and the organizations'
    policies; for an application token the lifetime its OAuth2 flow gives it.
    """
    default, seconds = limits(personal=personal)
    if not personal:
        reason = f"The system gives application tokens at most {_duration(default)}."
        return LifetimeLimit(seconds=seconds, reason=reason, default_seconds=default)
    reason = NO_LIFETIME_LIMIT
    if seconds is not None:
        reason = f"The system allows personal access tokens to live at most {_duration(seconds)}."
    for rule in organization_rules(user, organization_id):
        days = rule.max_pat_lifetime_days
        if days is not None and (seconds is None or days * DAY < seconds):
            seconds = days * DAY
            name = rule.organization.name
            reason = f"Organization '{name}' allows personal access tokens to live at most {days} day(s)."
    if seconds is not None:
        default = min(default, seconds)
    return LifetimeLimit(seconds=seconds, reason=reason, default_seconds=default)


# Interactive sign-in ----------------------------------------------------------------------

# Only a token from the authorization-code flow (or refreshed or rotated from one) proves
# that a person signed in through a browser. A password-grant token does not (any script
# holding the password gets one), and neither does a token created through /api/v2/, even
# for an authorization-code application: otherwise one interactive request could mint a
# token that mints tokens forever.
INTERACTIVE_ISSUANCE = frozenset({"authorization_code"})

CREDENTIAL_KINDS = {
    "api": "a token created through the API",
    "password": "a token from the password grant",
    "command": "a token created by a management command",
}

INTERACTIVE_AUTH_MESSAGE = (
    "Creating, rotating or renewing tokens requires an interactive sign-in (a browser session, HTTP Basic "
    "authentication or a token from the authorization-code flow) while TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH "
    "is on; this request was authenticated by {kind}."
)


def interactive_auth_denial(credential: object | None) -> str | None:
    """The refusal to mint or extend tokens with a token-based credential, when the setting demands it.

    `credential` is what authenticated the request: None for a session or Basic auth, else
    an access token. Only tokens issued through the authorization-code flow count as interactive.
    """
    if credential is None or not runtime.get("TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH"):
        return None
    if getattr(credential, "application_id", None) is None:
        return INTERACTIVE_AUTH_MESSAGE.format(kind="a personal access token")
    issued_via: str | None = getattr(credential, "issued_via", None)
    if issued_via in INTERACTIVE_ISSUANCE:
        return None
    return INTERACTIVE_AUTH_MESSAGE.format(kind=CREDENTIAL_KINDS.get(issued_via or "", "a non-interactive token"))


# Minting, renewing and widening: for the owner ----------------------------------------------

CREATE_FOR_OTHERS_MESSAGE = "Tokens can only be created for yourself; you cannot create a token for another user."
WIDEN_OTHERS_MESSAGE = (
    "Only the token's owner can widen its scope; an organization admin can describe, narrow or revoke it."
)


def scope_rights(scope: str) -> frozenset[str]:
    """What a scope string lets a token do: `write` implies `read`, so "write" and "read write" are equal."""
    words = set((scope or "").split())
    if WRITE in words:
        words.add(READ)
    return frozenset(words)


def widens_scope(current: str, proposed: str) -> bool:
    """Would `proposed` let a token do anything `current` does not? Narrowing or restating is not widening."""
    return not scope_rights(proposed) <= scope_rights(current)


def granting_any(rights: Iterable[str]) -> Q:
    """A filter on tokens whose scope grants any of `rights` (`write` implying `read`, as `scope_rights`).

    So `read` matches every token that can read (all of them), `write` those that can write.
    """
    condition = Q(pk__in=[])
    for right in set(rights):
        words = (READ, WRITE) if right == READ else (right,)
        for word in words:
            condition |= (
                Q(scope=word)
                | Q(scope__startswith=f"{word} ")
                | Q(scope__endswith=f" {word}")
                | Q(scope__contains=f" {word} ")
            )
    return condition


def owns(user: User | AnonymousUser, token: AccessToken) -> bool:
    """The owner, or a system administrator, who may do to a token whatever its owner may."""
    return bool(user.is_authenticated and user.is_superuser) or token.user_id == user.pk


def creation_denial(user: User | AnonymousUser, credential: object | None) -> str | None:
    """Why `user`, authenticated by `credential`, may not create a token for themselves now, or None."""
    return external_user_denial(user) or interactive_auth_denial(credential)


def mint_denial(user: User | AnonymousUser, credential: object | None, token: AccessToken, verb: str) -> str | None:
    """Why `user` may not give `token` a new value or a longer life (`verb`: rotate, renew), or None."""
    if not owns(user, token):
        return f"Only the token's owner can {verb} it; an organization admin can revoke it."
    return external_user_denial(token.user) or interactive_auth_denial(credential)


def widening_denial(
    user: User | AnonymousUser, credential: object | None, token: AccessToken, scope: str
) -> str | None:
    """Why `user` may not give `token` the scope `scope`, or None: only the owner widens, as they would mint."""
    if not widens_scope(token.scope, scope):
        return None
    if not owns(user, token):
        return WIDEN_OTHERS_MESSAGE
    # A wider scope mints rights as surely as a new token does: the rules of minting apply.
    return mint_denial(user, credential, token, "widen")


# Binding to an organization ------------------------------------------------------------------

REBIND_OTHERS_MESSAGE = (
    "Only the token's owner can unbind it or bind it to another organization; an organization admin can "
    "describe, narrow or revoke it."
)


def _organization_id(organization: object) -> int | None:
    """An organization's id, from the organization or from its id."""
    if organization is None:
        return None
    pk = getattr(organization, "pk", organization)
    return pk if isinstance(pk, int) else None


def binding_denial(owner: User | AnonymousUser, organization: object) -> str | None:
    """Why a token of `owner` may not be bound to `organization` (an Organization, its id, or None), or None."""
    organization_id = _organization_id(organization)
    if organization_id is None or (owner.is_authenticated and owner.is_superuser):
        return None
    if owner.is_authenticated and Membership.objects.filter(user_id=owner.pk, organization_id=organization_id).exists():
        return None
    name = getattr(organization, "name", None) or f"#{organization_id}"
    return (
        "A token can be bound only to an organization where its owner holds a role; "
        f"{owner.get_username()} holds none in organization '{name}'."
    )


def rebinding_denial(
    user: User | AnonymousUser, credential: object | None, token: AccessToken, organization: object
) -> str | None:
    """Why `user` may not give `token` the binding `organization` (an Organization, its id, or None), or None."""
    organization_id = _organization_id(organization)
    if organization_id == token.organization_id:
        return None  # restating the binding changes nothing
    if organization_id is not None and token.user is not None:
        denial = binding_denial(token.user, organization)
        if denial:
            return denial
    if token.organization_id is None:
        return None  # binding an unbound token narrows it: like narrowing its scope
    if not owns(user, token):
        return REBIND_OTHERS_MESSAGE
    # Unbinding or moving it lets the token reach what it could not: the rules of minting apply.
    return mint_denial(user, credential, token, "unbind" if organization_id is None else "rebind")


# Organizations' rules for personal access tokens ----------------------------------------------

DAY = 24 * 60 * 60

LIFESPAN_VIOLATION = "patLifespanPolicyViolation"
# The system's own lifetime rule (PAT_MAX_LIFETIME_SECONDS, ACCESS_TOKEN_EXPIRE_SECONDS), judged
# again by the services on the settings in force when the token is written.
SYSTEM_LIFETIME_VIOLATION = "invalidValidTo"
GLOBAL_VIOLATION = "globalPatPolicyViolation"
FULL_SCOPE_VIOLATION = "fullScopePatPolicyViolation"


# Not frozen: raising sets `__traceback__` (and a context manager it passes through sets it
# again), which a frozen dataclass refuses. Compared by identity, as exceptions are.
@dataclass(eq=False)
class PolicyViolation(Exception):
    """A PAT that an organization's token policy refuses: which rule (`code`), why, and the field at fault.

    The lifetime rule is bad input (`expires`: choose an earlier date); the others refuse the
    kind of token itself.
    """

    code: str
    message: str
    field: str

    def __str__(self) -> str:
        return self.message

    @property
    def is_bad_input(self) -> bool:
        return self.code in (LIFESPAN_VIOLATION, SYSTEM_LIFETIME_VIOLATION)


def system_lifetime_violation(expires: datetime, *, personal: bool, values: dict[str, Any]) -> PolicyViolation | None:
    """The system's refusal of `expires` for a token of that kind under the settings `values`, or None.

    Only the maximum: whether an expiry lies in the future is judged where it is chosen.
    """
    problem = lifetime_problem(expires, personal=personal, values=values)
    return PolicyViolation(SYSTEM_LIFETIME_VIOLATION, problem, "expires") if problem else None


def organization_rules(user: User, organization_id: int | None) -> list[OrganizationTokenPolicy]:
    """The organization policies a PAT of `user` must satisfy, by organization name.

    Bound to an organization: that organization's policy. Bound to none: the policy of every
    organization where the user holds a role. A user named in a policy's `exempt_users` is
    not held to it.
    """
    rules = OrganizationTokenPolicy.objects.select_related("organization").exclude(exempt_users=user)
    if organization_id is not None:
        rules = rules.filter(organization_id=organization_id)
    else:
        rules = rules.filter(organization__memberships__user=user).distinct()
    return list(rules.order_by("organization__name"))


def _kind_violation(
    rule: OrganizationTokenPolicy, *, organization_id: int | None, scope: str
) -> PolicyViolation | None:
    """The rule's refusal of the kind of PAT (bound to no organization, write scope), or None."""
    name = rule.organization.name
    if organization_id is None and rule.restrict_global_pats:
        return PolicyViolation(
            GLOBAL_VIOLATION,
            f"Organization '{name}' does not allow personal access tokens that are bound to no organization "
            "(restrict_global_pats): bind the token to an organization.",
            "organization",
        )
    if rule.restrict_full_scope_pats and WRITE in scope_rights(scope):
        return PolicyViolation(
            FULL_SCOPE_VIOLATION,
            f"Organization '{name}' does not allow personal access tokens with write scope "
            "(restrict_full_scope_pats): choose the read scope.",
            "scope",
        )
    return None


def organization_violation(
    *,
    user: User,
    organization_id: int | None,
    scope: str,
    expires: datetime,
    rules: Iterable[OrganizationTokenPolicy] | None = None,
    lifetime_only: bool = False,
) -> PolicyViolation | None:
    """The first organization rule that a PAT of `user` with this binding, scope and expiry breaks, or None.

    `lifetime_only`: judge the expiry alone (a PAT whose life is shortened keeps its binding
    and scope, which the rules judge when they are created, renewed, widened or rebound).
    """
    now = timezone.now()
    for rule in organization_rules(user, organization_id) if rules is None else rules:
        name = rule.organization.name
        kind = None if lifetime_only else _kind_violation(rule, organization_id=organization_id, scope=scope)
        if kind is not None:
            return kind
        days = rule.max_pat_lifetime_days
        if days is not None and expires > now + timedelta(days=days):
            latest = (now + timedelta(days=days)).isoformat(timespec="seconds")
            return PolicyViolation(
                LIFESPAN_VIOLATION,
                f"Organization '{name}' allows personal access tokens to live at most {days} day(s) "
                f"(max_pat_lifetime_days): choose an expiry no later than {latest}.",
                "expires",
            )
    return None
