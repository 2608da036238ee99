"""The registry of access policies: one policy class per model, registered by its app's `access.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model

if TYPE_CHECKING:
    from .core import BaseAccess

_registry: dict[type[Model], type[BaseAccess]] = {}


def register(policy: type[BaseAccess]) -> type[BaseAccess]:
    """Class decorator: make `policy` the one access policy of its model."""
    model = policy.model
    if model in _registry and _registry[model] is not policy:
        raise ImproperlyConfigured(f"{model.__name__} already has an access policy: {_registry[model].__name__}.")
    _registry[model] = policy
    return policy


def registered() -> dict[type[Model], type[BaseAccess]]:
    """Every registered model and its policy class (a copy)."""
    return dict(_registry)


def policy_class(model: type[Model]) -> type[BaseAccess]:
    """The policy class of `model`; a model without one is a configuration error, never an open door."""
    try:
        return _registry[model]
    except KeyError:
        raise ImproperlyConfigured(f"No access policy is registered for {model.__name__}.") from None
