"""What every command that changes credentials or sessions leaves behind: a log line and an activity record."""

import logging

from activity.models import ActivityEntry

logger = logging.getLogger("tokensvc.commands")


def find_user(username: str):
    """The user named `username`, or the exact error Tower's commands give."""
    from django.contrib.auth import get_user_model
    from django.core.management.base import CommandError

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError("A user with that username does not exist.")
    return user


def note(command: str, *, operation: str, object_type: str, subject=None, **counts) -> None:
    """Log `command key=value ...` and record one activity entry with the same facts (never a secret)."""
    facts = {"user": subject.get_username() if subject else "*", **counts}
    logger.info("command=%s %s", command, " ".join(f"{key}={value}" for key, value in facts.items()))
    ActivityEntry.objects.create(
        operation=operation,
        object_type=object_type,
        object_id=subject.pk if subject else None,
        object_repr=f"manage.py {command}",
        changes={"command": command, **facts},
        subject_user_id=subject.pk if subject else None,
    )
