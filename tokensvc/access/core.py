"""Who may do what: `Decision`, the `Actor` who asks, the `BaseAccess` policy, and `check()`/`visible()`.

A policy answers for one actor: `visible()` is the queryset they may see, and
`can_<action>(obj, data)` returns a `Decision`. `check()` applies the token scope mask first
and then asks the policy, so every caller (the API's permission class, its base views,
`user_capabilities`, a plain Django view, a command) gets the same answer.

A token bound to an organization reaches only that organization's objects. That is applied
here, once, for every policy: `visible()` narrows each policy's queryset with the policy's
`bound()`, so what a bound token may not reach is missing (404) everywhere the API looks
objects up, lists, details and ids in request bodies alike; and `check()` asks the policy's
`binding_denial()` before the policy itself, which by default refuses creating anything
(a new object is not yet the organization's unless the policy says how it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet

from . import scopes
from .registry import policy_class

if TYPE_CHECKING:
    # The project's user model (AUTH_USER_MODEL) or AnonymousUser, named without importing the app.
    from django.contrib.auth.models import _AnyUser


class RequestLike(Protocol):
    """What an actor is made of: an HttpRequest or DRF Request (`.auth` is read when present)."""

    @property
    def user(self) -> _AnyUser: ...


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

BOUND_ADD_MESSAGE = "A token bound to an organization cannot create this; use a token that is not bound."


# Where an actor is kept on its request (HttpRequest and DRF's Request declare no such attribute).
_REQUEST_ACTOR = "_access_actor"


class Actor:
    """Who asks: a user and the credential that authenticated them.

    The credential is the access token of a Bearer request, or None for a browser session,
    HTTP Basic or a caller with no request at all. An actor keeps one policy per model, so
    the organizations a policy looked up are looked up once per request.
    """

    __slots__ = ("user", "credential", "_policies")

    def __init__(self, user: _AnyUser, credential: object | None = None) -> None:
        self.user = user
        self.credential = credential
        self._policies: dict[type[Model], BaseAccess] = {}

    def __repr__(self) -> str:
        return f"<Actor {self.user!r} via {'token' if self.credential is not None else 'no token'}>"

    @property
    def bound_organization_id(self) -> int | None:
        """The organization the credential is bound to, or None: read from the token row, no query."""
        organization_id: int | None = getattr(self.credential, "organization_id", None)
        return organization_id

    @classmethod
    def of(cls, value: Actor | RequestLike) -> Actor:
        """The actor of an Actor or of anything request-like: `.user`, and `.auth` where a token authenticated it.

        The actor is kept on the request, so every check of one request shares its policies.
        """
        if isinstance(value, Actor):
            return value
        user, credential = value.user, getattr(value, "auth", None)
        actor: Actor | None = getattr(value, _REQUEST_ACTOR, None)
        if actor is None or actor.user is not user or actor.credential is not credential:
            actor = cls(user, credential)
            setattr(value, _REQUEST_ACTOR, actor)
        return actor


class BaseAccess:
    """A policy for one model, answering for one actor. Subclasses state their rules in their docstring.

    Every `can_<action>(obj=None, data=None)` returns a `Decision`; callers reach them only
    through `check()`, which applies the scope mask first.
    """

    model: type[Model]
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    @property
    def user(self) -> _AnyUser:
        return self.actor.user

    @property
    def credential(self) -> object | None:
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
        cache: dict[str, frozenset[int]] = self.__dict__.setdefault("_org_ids", {})
        if permission not in cache:
            cache[permission] = frozenset(self.org_ids_query(permission).values_list("organization_id", flat=True))
        return cache[permission]

    def org_ids_query(self, permission: str) -> QuerySet[Any, Any]:
        """The same organizations as a lazy subquery, for `visible()`."""
        user = self.user
        if not user.is_authenticated:
            # As before the check: an anonymous user has no memberships to ask about.
            raise AttributeError("An anonymous user belongs to no organization.")
        queryset: QuerySet[Any, Any] = user.organization_ids(permission)
        return queryset

    # The policy -------------------------------------------------------------

    def visible(self) -> QuerySet[Any, Any]:
        return self.model._default_manager.none()

    def history(self) -> QuerySet[Any, Any]:
        """What the actor may know of, revoked tombstones included; models without tombstones: `visible()`."""
        return self.visible()

    def for_listing(self, queryset: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
        """The same rows as `queryset`, in a form an index can serve when a whole list is read.

        A policy whose visibility is an OR over several reasons may add the same reasons in a
        form the database can answer one index at a time; the rows must not change.
        """
        return queryset

    def reachable(self, *, include_revoked: bool = False) -> QuerySet[Any, Any]:
        """`visible()` (or `history()`) narrowed to the organization the actor's token is bound to, if any."""
        queryset = self.history() if include_revoked else self.visible()
        organization_id = self.actor.bound_organization_id
        if organization_id is not None:
            queryset = self.bound(queryset, organization_id)
        return queryset

    # Organization-bound tokens: every policy says what of its model belongs to an organization.

    def bound(self, queryset: QuerySet[Any, Any], organization_id: int) -> QuerySet[Any, Any]:
        """Of `queryset`, what a token bound to the organization `organization_id` may reach.

        Every policy states it; a policy that does not is a configuration error, never an open door.
        """
        raise ImproperlyConfigured(f"{type(self).__name__} does not say what a token bound to an organization reaches.")

    def binding_denial(self, action: str, obj: Model | None, data: Any, organization_id: int) -> str | None:
        """Why a token bound to `organization_id` may not perform `action`, or None.

        Objects reach a check from `reachable()`, so acting on them is left to the policy.
        Creating is refused unless the policy overrides this and says how the new object
        belongs to the organization.
        """
        if action == "add":
            return BOUND_ADD_MESSAGE
        return None

    def can_view(self, obj: Model | None = None, data: Any = None) -> Decision:
        return Decision.when(obj is None or self.reachable().filter(pk=obj.pk).exists())

    def can_add(self, obj: Model | None = None, data: Any = None) -> Decision:
        return Decision.deny()

    def can_change(self, obj: Model | None = None, data: Any = None) -> Decision:
        return Decision.deny()

    def can_delete(self, obj: Model | None = None, data: Any = None) -> Decision:
        return Decision.deny()


def policy_for(actor: Actor | RequestLike, model: type[Model]) -> BaseAccess:
    """The policy of `model` for an actor (or request); one instance per actor, so its caches are shared."""
    actor = Actor.of(actor)
    policy = actor._policies.get(model)
    if policy is None:
        policy = actor._policies[model] = policy_class(model)(actor)
    return policy


def check_scope(actor: Actor | RequestLike, action: str) -> Decision:
    """The token scope mask alone: may the actor's credential perform `action` at all?"""
    actor = Actor.of(actor)
    reason = scopes.denial(actor.credential, action)
    if reason:
        return Decision(False, reason, scope=scopes.required_scope(action))
    return ALLOW


def check(
    actor: Actor | RequestLike, action: str, model: type[Model], obj: Model | None = None, data: Any = None
) -> Decision:
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
    if actor.bound_organization_id is not None:
        reason = policy.binding_denial(action, obj, data, actor.bound_organization_id)
        if reason:
            return Decision.deny(reason)
    decision = method(obj, data)
    if not isinstance(decision, Decision):
        raise ImproperlyConfigured(
            f"{type(policy).__name__}.can_{action}() returned {type(decision).__name__}, not a Decision."
        )
    return decision


def visible(
    actor: Actor | RequestLike, model: type[Model], *, include_revoked: bool = False, listing: bool = False
) -> QuerySet[Any, Any]:
    """What the actor (or request) may see of `model`, with the policy's declared joins, as one lazy query.

    With `include_revoked`, the policy's `history()`: revoked tombstones it still shows. A token
    bound to an organization sees only what the policy's `bound()` keeps. With `listing` (a
    list view reading many rows), the policy's `for_listing()` form of the same rows.
    """
    policy = policy_for(actor, model)
    queryset = policy.reachable(include_revoked=include_revoked)
    if listing:
        queryset = policy.for_listing(queryset)
    if policy.select_related:
        queryset = queryset.select_related(*policy.select_related)
    if policy.prefetch_related:
        queryset = queryset.prefetch_related(*policy.prefetch_related)
    return queryset
