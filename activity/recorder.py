"""Writing the activity stream. Values of secret fields are never recorded; long text is shortened.

An entry about a model instance names it by its type name (tokensvc/types.py); an entry about
something that is no row (a settings category, a command's sweep) names its type itself.

Every change record copies old and new values, so a long text value would be stored again
on each edit: a string longer than ACTIVITY_VALUE_MAX_LENGTH keeps its beginning and a note
of its full length (e.g. "abc… (2400000 characters)").
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeAlias, overload

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

from tokensvc.limits import ACTIVITY_VALUE_MAX_LENGTH
from tokensvc.secret_fields import SECRET_FIELDS
from tokensvc.types import type_name

from .models import ActivityEntry

# Who performs a recorded write: a user (anonymous on the /api/o/ endpoints) or None for the
# system itself. Only an authenticated actor is stored; this app names no user model of its own.
Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None
# A value as an entry stores it: what JSON holds.
Plain: TypeAlias = bool | int | float | str | None


class Unsaved(Protocol):
    """What an entry is about when it is no row (a settings category, a command's sweep)."""

    @property
    def pk(self) -> None: ...


def _plain(value: object) -> Plain:
    if isinstance(value, models.Model):
        identity: Plain = value.pk
        return identity
    if hasattr(value, "isoformat"):
        text: str = value.isoformat()
        return text
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def shortened(value: object) -> object:
    """`value` with every string longer than ACTIVITY_VALUE_MAX_LENGTH cut, noting its length."""
    if isinstance(value, str) and len(value) > ACTIVITY_VALUE_MAX_LENGTH:
        return f"{value[:ACTIVITY_VALUE_MAX_LENGTH]}… ({len(value)} characters)"
    if isinstance(value, (list, tuple)):
        return [shortened(item) for item in value]
    if isinstance(value, dict):
        return {shortened(key): shortened(item) for key, item in value.items()}
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields`, ready to compare after an update."""
    return {name: _plain(getattr(instance, name, None)) for name in fields if name not in SECRET_FIELDS}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for fields whose value changed."""
    return {name: [before[name], after.get(name)] for name in before if before[name] != after.get(name)}


@contextmanager
def recording_update(
    *,
    actor: Actor,
    obj: models.Model,
    fields: Iterable[str],
    object_type: str | None = None,
    **scope: int | None,
) -> Iterator[dict[str, Any]]:
    """Record one `update` entry for what the block changes: the audited `fields` that changed,
    as [old, new], plus any notes the block puts in the dict it is given. Nothing changed, no entry."""
    before = snapshot(obj, fields)
    notes: dict[str, Any] = {}
    yield notes
    changes = {**diff(before, snapshot(obj, fields)), **notes}
    if changes:
        record(actor=actor, operation="update", object_type=object_type, obj=obj, changes=changes, **scope)


def entry(
    *,
    actor: Actor,
    operation: str,
    object_type: str,
    object_id: int | None,
    object_repr: str,
    changes: dict[str, Any] | None = None,
    organization_id: int | None = None,
    subject_user_id: int | None = None,
) -> ActivityEntry:
    """An unsaved entry, with the values of secret fields hidden: for `record` and for bulk inserts."""
    safe_changes: dict[object, object] = {}
    for name, value in (changes or {}).items():
        safe_changes[shortened(name)] = "hidden" if name in SECRET_FIELDS else shortened(value)
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return ActivityEntry(
        # The stubs resolve AUTH_USER_MODEL to users.User, which this app may not import.
        actor=user,  # type: ignore[misc]
        actor_username=user.get_username() if user is not None else "",
        operation=operation,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:512],
        changes=safe_changes,
        organization_id=organization_id,
        subject_user_id=subject_user_id,
    )


@overload
def record(*, obj: models.Model, object_type: str | None = None, **fields: Any) -> ActivityEntry: ...
@overload
def record(*, obj: Unsaved, object_type: str, **fields: Any) -> ActivityEntry: ...
def record(*, obj: models.Model | Unsaved, object_type: str | None = None, **fields: Any) -> ActivityEntry:
    """Write one entry about `obj` (see `entry` for the fields); a model instance is named by its type name."""
    if not object_type:
        # Only a model instance comes without its type (the overloads above).
        assert isinstance(obj, models.Model)
        object_type = type_name(obj)
    saved = entry(object_type=object_type, object_id=obj.pk, object_repr=str(obj), **fields)
    saved.save()
    return saved
