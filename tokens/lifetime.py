"""How long a token created or renewed through the API may live, from the runtime settings.

A personal access token gets PAT_DEFAULT_LIFETIME_SECONDS when no `expires` is given (null:
ACCESS_TOKEN_EXPIRE_SECONDS), never more than PAT_MAX_LIFETIME_SECONDS (null: unlimited).
An application token lives ACCESS_TOKEN_EXPIRE_SECONDS, the lifetime its OAuth2 flow would
give it, and may be given a shorter one or renewed up to that again.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from tokensvc import runtime


def limits(*, personal: bool) -> tuple[int, int | None]:
    """(default, maximum) lifetime in seconds; a maximum of None is unlimited."""
    values = runtime.current()
    access = values["ACCESS_TOKEN_EXPIRE_SECONDS"]
    if not personal:
        return access, access
    maximum = values["PAT_MAX_LIFETIME_SECONDS"]
    default = values["PAT_DEFAULT_LIFETIME_SECONDS"] or access
    if maximum is not None:
        default = min(default, maximum)
    return default, maximum


def default_expiry(*, personal: bool) -> datetime:
    default, _ = limits(personal=personal)
    return timezone.now() + timedelta(seconds=default)


def expiry_problem(expires: datetime, *, personal: bool) -> str | None:
    """Why `expires` is refused, or None when it is allowed."""
    now = timezone.now()
    if expires <= now:
        return "The expiry must be in the future."
    _, maximum = limits(personal=personal)
    if maximum is not None and expires > now + timedelta(seconds=maximum):
        kind = "A personal access token" if personal else "An application token"
        latest = (now + timedelta(seconds=maximum)).isoformat(timespec="seconds")
        return f"{kind} may live at most {maximum} seconds: choose an expiry no later than {latest}."
    return None
