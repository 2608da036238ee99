"""Tower type names: the one map from a model to the name clients see in `type` and `object_type`.

Each app names its own models in its AppConfig.ready(); serializers, the activity recorder
and the activity stream's filters and policy all ask `type_name()`, so a name is written once.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model

_names: dict[type[Model], str] = {}


def register(model: type[Model], name: str) -> None:
    """Give `model` its type name; a second, different name for a model or a name taken twice is an error."""
    current = _names.get(model, name)
    if current != name:
        raise ImproperlyConfigured(f"{model.__name__} is already named {current!r}, not {name!r}.")
    for other, given in _names.items():
        if given == name and other is not model:
            raise ImproperlyConfigured(f"The type name {name!r} already names {other.__name__}.")
    _names[model] = name


def type_name(model_or_instance: type[Model] | Model) -> str:
    """The type name of a model or of one of its instances; an unnamed model is a configuration error."""
    # `_meta.model` rather than type(): also right for a lazily loaded request.user.
    model = model_or_instance._meta.model
    concrete = model._meta.concrete_model
    name = _names.get(model) or (_names.get(concrete) if concrete is not None else None)
    if name is None:
        raise ImproperlyConfigured(f"{model.__name__} has no type name: register it in its app's ready().")
    return name


def registered() -> dict[type[Model], str]:
    """Every named model and its type name (a copy)."""
    return dict(_names)
