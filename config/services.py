"""Writes of runtime settings: store a validated category, record and log what changed."""

import logging

from activity import recorder
from tokensvc.types import type_name

from . import runtime
from .models import ConfigValue

logger = logging.getLogger(__name__)


class SettingsCategory:
    """What an activity record about a settings category points at (it has no row of its own)."""

    pk = None

    def __init__(self, name: str):
        self.name = name

    def __str__(self):
        return self.name


def settings_update(*, actor, category: str, values: dict) -> dict:
    """Store validated values of one category; record and log what changed (setting names and values)."""
    flat = {key: value for key, value in values.items() if key != "OAUTH2_PROVIDER"}
    flat.update(values.get("OAUTH2_PROVIDER", {}))
    changes = runtime.update(flat)
    if changes:
        recorder.record(
            actor=actor,
            operation="update",
            object_type=type_name(ConfigValue),
            obj=SettingsCategory(category),
            changes=changes,
        )
    logger.info(
        "settings_update category=%s actor=%s changed=%s",
        category,
        actor.get_username() if actor else "-",
        ",".join(sorted(changes)) or "-",
    )
    return changes
