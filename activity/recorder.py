"""Writing the activity stream. Values of secret fields are never recorded; long text is shortened.

An entry about a model instance names it by its type name (tokensvc/types.py); an entry about
something that is no row (a settings category, a command's sweep) names its type itself.

Every change record copies old and new values, so a long text value would be stored again
on each edit: a string longer than ACTIVITY_VALUE_MAX_LENGTH keeps its beginning and a note
of its full length (e.g. "abc… (2400000 characters)").
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models

from tokensvc.limits import ACTIVITY_VALUE_MAX_LENGTH
from tokensvc.secret_fields import SECRET_FIELDS
from tokensvc.types import type_name

from .models import ActivityEntry


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def shortened(value):
    """`value` with every string longer than ACTIVITY_VALUE_MAX_LENGTH cut, noting its length."""
    if isinstance(value, str) and len(value) > ACTIVITY_VALUE_MAX_LENGTH:
        return f"{value[:ACTIVITY_VALUE_MAX_LENGTH]}… ({len(value)} characters)"
    if isinstance(value, (list, tuple)):
        return [shortened(item) for item in value]
    if isinstance(value, dict):
        return {shortened(key): shortened(item) for key, item in value.items()}
    return value


def snapshot(instance, fields) -> dict:
    """The current values of `fields`, ready to compare after an update."""
    return {name: _plain(getattr(instance, name, None)) for name in fields if name not in SECRET_FIELDS}


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for fields whose value changed."""
    return {name: [before[name], after.get(name)] for name in before if before[name] != after.get(name)}


@contextmanager
def recording_update(*, actor, obj, fields, object_type: str | None = None, **scope) -> Iterator[dict]:
    """Record one `update` entry for what the block changes: the audited `fields` that changed,
    as [old, new], plus any notes the block puts in the dict it is given. Nothing changed, no entry."""
    before = snapshot(obj, fields)
    notes: dict = {}
    yield notes
    changes = {**diff(before, snapshot(obj, fields)), **notes}
    if changes:
        record(actor=actor, operation="update", object_type=object_type, obj=obj, changes=changes, **scope)


def entry(
    *,
    actor,
    operation: str,
    object_type: str,
    object_id: int | None,
    object_repr: str,
    changes: dict | None = None,
    organization_id: int | None = None,
    subject_user_id: int | None = None,
) -> ActivityEntry:
    """An unsaved entry, with the values of secret fields hidden: for `record` and for bulk inserts."""
    safe_changes = {}
    for name, value in (changes or {}).items():
        safe_changes[shortened(name)] = "hidden" if name in SECRET_FIELDS else shortened(value)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return ActivityEntry(
        actor=actor if authenticated else None,
        actor_username=actor.get_username() if authenticated else "",
        operation=operation,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:512],
        changes=safe_changes,
        organization_id=organization_id,
        subject_user_id=subject_user_id,
    )


def record(*, obj, object_type: str | None = None, **fields) -> ActivityEntry:
    """Write one entry about `obj` (see `entry` for the fields); a model instance is named by its type name."""
    saved = entry(object_type=object_type or type_name(obj), object_id=obj.pk, object_repr=str(obj), **fields)
    saved.save()
    return saved
