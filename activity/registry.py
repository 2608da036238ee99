"""The object types the activity stream knows: who may read entries about each, and where an entry links.

The stream imports no app. Each app registers its own models here in its AppConfig.ready(),
after naming them in tokensvc/types.py: the organization permission that lets someone read
entries about such an object in its organization, and how to link to the object.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model
from django.urls import NoReverseMatch, reverse

from tokensvc.types import type_name


@dataclass(frozen=True)
class ObjectType:
    """How the stream treats entries about one type of object."""

    name: str
    # Holding this permission in an entry's organization lets one read the entry.
    organization_permission: str
    # The URL of the object with a given id, or None when there is none to give.
    link: Callable[[int], str | None] | None = None
    # Whether the link still finds the object after its `delete` entry (a revoked token does).
    link_after_delete: bool = False


_types: dict[str, ObjectType] = {}


def register(
    model: type[Model],
    *,
    organization_permission: str,
    link: Callable[[int], str | None] | None = None,
    link_after_delete: bool = False,
) -> ObjectType:
    """Make `model`'s entries readable by holders of `organization_permission` and linked by `link`."""
    name = type_name(model)
    object_type = ObjectType(name, organization_permission, link, link_after_delete)
    if _types.get(name, object_type) != object_type:
        raise ImproperlyConfigured(f"The activity stream already knows the type {name!r} otherwise.")
    _types[name] = object_type
    return object_type


def registered() -> dict[str, ObjectType]:
    """Every object type the stream knows, by type name (a copy)."""
    return dict(_types)


def lookup(name: str) -> ObjectType | None:
    return _types.get(name)


def detail_link(route: str) -> Callable[[int], str | None]:
    """A `link` to the detail route named `route`; where that route is not installed, no link."""

    def link(pk: int) -> str | None:
        with contextlib.suppress(NoReverseMatch):
            return reverse(route, kwargs={"pk": pk})
        return None

    return link
