"""Who may do what: the registry of access policies and `check()`, where role and scope meet.

Each exposed model has one policy class (in its app's `access.py`) registered here. A policy
answers for one user: `visible()` is the queryset they may see, and `can_<action>(obj, data)`
says whether they may perform an action. `check()` applies the token scope mask first and
then asks the policy; the permission class, the base views and `user_capabilities` all call
`check()`, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet

from . import scopes


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str | None = None
    insufficient_scope: bool = False

    def __bool__(self) -> bool:
        return self.allowed


class BaseAccess:
    """A policy for one model, answering for one user. Subclasses state their rules in their docstring."""

    model: type[Model]
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple = ()

    def __init__(self, user, credential=None):
        self.user = user
        # What authenticated the request (an access token, or None for a session or Basic
        # auth), for the few rules that depend on how the user proved who they are.
        self.credential = credential

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

    def can_view(self, obj=None, data=None) -> bool:
        return obj is None or self.visible().filter(pk=obj.pk).exists()

    def can_add(self, obj=None, data=None) -> bool | str:
        return False

    def can_change(self, obj=None, data=None) -> bool | str:
        return False

    def can_delete(self, obj=None, data=None) -> bool | str:
        return False


_registry: dict[type[Model], type[BaseAccess]] = {}


def register(policy: type[BaseAccess]) -> type[BaseAccess]:
    """Class decorator: make `policy` the one access policy of its model."""
    model = policy.model
    if model in _registry and _registry[model] is not policy:
        raise ImproperlyConfigured(f"{model.__name__} already has an access policy: {_registry[model].__name__}.")
    _registry[model] = policy
    return policy


def registered() -> dict[type[Model], type[BaseAccess]]:
    return dict(_registry)


def policy_for(request, model: type[Model]) -> BaseAccess:
    """The policy of `model` for the request's user; one instance per request, so its caches are shared."""
    try:
        policy_class = _registry[model]
    except KeyError:
        raise ImproperlyConfigured(f"No access policy is registered for {model.__name__}.") from None
    cache = getattr(request, "_access_policies", None)
    if cache is None:
        cache = {}
        request._access_policies = cache
    if model not in cache:
        cache[model] = policy_class(request.user, credential=getattr(request, "auth", None))
    return cache[model]


def check(request, action: str, model: type[Model] | None = None, obj=None, data=None) -> Decision:
    """May the request perform `action` on `model` (or `obj`)? The token scope is applied first.

    With no model, only the scope mask is applied (views without a model of their own).
    """
    reason = scopes.denial(getattr(request, "auth", None), action)
    if reason:
        return Decision(False, reason, insufficient_scope=True)
    if model is None:
        return Decision(True)
    policy = policy_for(request, model)
    method = getattr(policy, f"can_{action}", None)
    if method is None:
        raise ImproperlyConfigured(f"{type(policy).__name__} does not define can_{action}().")
    result = method(obj, data)
    if isinstance(result, str):
        return Decision(False, result)
    return Decision(bool(result))


def visible(request, model: type[Model]) -> QuerySet:
    """What the request's user may see of `model`, with the policy's declared joins."""
    policy = policy_for(request, model)
    queryset = policy.visible()
    if policy.select_related:
        queryset = queryset.select_related(*policy.select_related)
    if policy.prefetch_related:
        queryset = queryset.prefetch_related(*policy.prefetch_related)
    return queryset
