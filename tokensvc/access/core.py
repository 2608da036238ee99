"""Who may do what: `Decision`, the `Actor` who asks, the `BaseAccess` policy, and `check()`/`visible()`.

A policy answers for one actor: `visible()` is the queryset they may see, and
`can_<action>(obj, data)` returns a `Decision`. `check()` applies the token scope mask first
and then asks the policy, so every caller (the API's permission class, its base views,
`user_capabilities`, a plain Django view, a command) gets the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet

from . import scopes
from .registry import policy_class


@dataclass(frozen=True)
class Decision:
    """The answer to "may they?": allowed or not, and why not (a reason shown to the caller).

    `scope` is set when the token scope mask refused: the scope the credential lacks.
    """

    allowed: bool
    reason: str | None = None
    scope: str | None = None

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def insufficient_scope(self) -> bool:
        return self.scope is not None

    @classmethod
    def allow(cls) -> Decision:
        return ALLOW

    @classmethod
    def deny(cls, reason: str | None = None) -> Decision:
        return cls(False, reason)

    @classmethod
    def when(cls, condition: bool, reason: str | None = None) -> Decision:
        """Allowed if `condition` holds, else denied with `reason`."""
        return ALLOW if condition else cls(False, reason)


ALLOW = Decision(True)


class Actor:
    """Who asks: a user and the credential that authenticated them.

    The credential is the access token of a Bearer request, or None for a browser session,
    HTTP Basic or a caller with no request at all. An actor keeps one policy per model, so
    the organizations a policy looked up are looked up once per request.
    """

    __slots__ = ("user", "credential", "_policies")

    def __init__(self, user, credential=None):
        self.user = user
        self.credential = credential
        self._policies: dict[type[Model], BaseAccess] = {}

    def __repr__(self) -> str:
        return f"<Actor {self.user!r} via {'token' if self.credential is not None else 'no token'}>"

    @classmethod
    def of(cls, value) -> Actor:
        """The actor of an Actor or of anything request-like: `.user`, and `.auth` where a token authenticated it.

        The actor is kept on the request, so every check of one request shares its policies.
        """
        if isinstance(value, Actor):
            return value
        user, credential = value.user, getattr(value, "auth", None)
        actor = getattr(value, "_access_actor", None)
        if actor is None or actor.user is not user or actor.credential is not credential:
            actor = cls(user, credential)
            value._access_actor = actor
        return actor


class BaseAccess:
    """A policy for one model, answering for one actor. Subclasses state their rules in their docstring.

    Every `can_<action>(obj=None, data=None)` returns a `Decision`; callers reach them only
    through `check()`, which applies the scope mask first.
    """

    model: type[Model]
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple = ()

    def __init__(self, actor: Actor):
        self.actor = actor

    @property
    def user(self):
        return self.actor.user

    @property
    def credential(self):
        """What authenticated the request (an access token, or None), for the few rules that depend on it."""
        return self.actor.credential

    # Helpers for subclasses -------------------------------------------------

    @cached_property
    def is_superuser(self) -> bool:
        return bool(self.user.is_authenticated and self.user.is_superuser)

    @cached_property
    def sees_everything(self) -> bool:
        """System administrators and system auditors read every object."""
        return bool(self.user.is_authenticated and (self.user.is_superuser or self.user.is_system_auditor))

    def org_ids(self, permission: str) -> frozenset[int]:
        """Organizations where the user holds `permission`, evaluated once per policy."""
        cache = self.__dict__.setdefault("_org_ids", {})
        if permission not in cache:
            cache[permission] = frozenset(self.org_ids_query(permission).values_list("organization_id", flat=True))
        return cache[permission]

    def org_ids_query(self, permission: str) -> QuerySet:
        """The same organizations as a lazy subquery, for `visible()`."""
        return self.user.organization_ids(permission)

    # The policy -------------------------------------------------------------

    def visible(self) -> QuerySet:
        return self.model._default_manager.none()

    def history(self) -> QuerySet:
        """What the actor may know of, revoked tombstones included; models without tombstones: `visible()`."""
        return self.visible()

    def can_view(self, obj=None, data=None) -> Decision:
        return Decision.when(obj is None or self.visible().filter(pk=obj.pk).exists())

    def can_add(self, obj=None, data=None) -> Decision:
        return Decision.deny()

    def can_change(self, obj=None, data=None) -> Decision:
        return Decision.deny()

    def can_delete(self, obj=None, data=None) -> Decision:
        return Decision.deny()


def policy_for(actor, model: type[Model]) -> BaseAccess:
    """The policy of `model` for an actor (or request); one instance per actor, so its caches are shared."""
    actor = Actor.of(actor)
    policy = actor._policies.get(model)
    if policy is None:
        policy = actor._policies[model] = policy_class(model)(actor)
    return policy


def check_scope(actor, action: str) -> Decision:
    """The token scope mask alone: may the actor's credential perform `action` at all?"""
    actor = Actor.of(actor)
    reason = scopes.denial(actor.credential, action)
    if reason:
        return Decision(False, reason, scope=scopes.required_scope(action))
    return ALLOW


def check(actor, action: str, model: type[Model], obj=None, data=None) -> Decision:
    """May the actor (or request) perform `action` on `model`, or on `obj`, with `data`?

    The token scope mask is applied first; then the policy's `can_<action>()` decides.
    """
    actor = Actor.of(actor)
    decision = check_scope(actor, action)
    if not decision:
        return decision
    policy = policy_for(actor, model)
    method = getattr(policy, f"can_{action}", None)
    if method is None:
        raise ImproperlyConfigured(f"{type(policy).__name__} does not define can_{action}().")
    decision = method(obj, data)
    if not isinstance(decision, Decision):
        raise ImproperlyConfigured(
            f"{type(policy).__name__}.can_{action}() returned {type(decision).__name__}, not a Decision."
        )
    return decision


def visible(actor, model: type[Model], *, include_revoked: bool = False) -> QuerySet:
    """What the actor (or request) may see of `model`, with the policy's declared joins, as one lazy query.

    With `include_revoked`, the policy's `history()`: revoked tombstones it still shows.
    """
    policy = policy_for(actor, model)
    queryset = policy.history() if include_revoked else policy.visible()
    if policy.select_related:
        queryset = queryset.select_related(*policy.select_related)
    if policy.prefetch_related:
        queryset = queryset.prefetch_related(*policy.prefetch_related)
    return queryset
