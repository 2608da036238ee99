"""Writes of runtime settings: store a category under the rules across settings; record and log what changed."""

import logging
from typing import Any

from django.db import transaction
from rest_framework import serializers

from activity import recorder
from activity.recorder import Actor
from tokensvc.types import type_name

from . import runtime
from .models import ConfigValue

logger = logging.getLogger(__name__)


def check_consistent(values: dict[str, Any]) -> None:
    """The rules across settings, on every setting as it would be: a PAT's default lifetime is within its maximum."""
    maximum, default = values["PAT_MAX_LIFETIME_SECONDS"], values["PAT_DEFAULT_LIFETIME_SECONDS"]
    if maximum is not None and default is not None and default > maximum:
        raise serializers.ValidationError(
            {"PAT_DEFAULT_LIFETIME_SECONDS": [f"Must not exceed PAT_MAX_LIFETIME_SECONDS ({maximum})."]}
        )


class SettingsCategory:
    """What an activity record about a settings category points at (it has no row of its own)."""

    pk = None

    def __init__(self, name: str):
        self.name = name

    def __str__(self) -> str:
        return self.name


@transaction.atomic
def settings_update(*, actor: Actor, category: str, values: dict[str, Any]) -> dict[str, Any]:
    """Store validated values of one category; record and log what changed (setting names and values).

    One transaction: the change and its activity record are stored together or not at all,
    and the record is written under the store's lock, so its time orders it among the tokens
    minted under the settings before and after it.
    """
    flat = {key: value for key, value in values.items() if key != "OAUTH2_PROVIDER"}
    flat.update(values.get("OAUTH2_PROVIDER", {}))
    # The rules across settings are judged again on what is stored once no other writer can change it.
    changes = runtime.update(flat, check=check_consistent)
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
