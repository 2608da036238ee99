"""Runtime settings: defaults from the settings module, overrides stored in the database.

Stored values are read from the database whenever they are needed (one small query), so a
change made through the API takes effect on the next request in every worker process.
"""

from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from tokensvc.limits import MAX_LIFETIME_SECONDS

from .models import ConfigValue

# Settings that are added to and subtracted from the current time.
SECONDS_KEYS = frozenset(
    {
        "ACCESS_TOKEN_EXPIRE_SECONDS",
        "REFRESH_TOKEN_EXPIRE_SECONDS",
        "AUTHORIZATION_CODE_EXPIRE_SECONDS",
        "PAT_MAX_LIFETIME_SECONDS",
        "PAT_DEFAULT_LIFETIME_SECONDS",
    }
)


def bounded(key: str, value):
    """A stored lifetime as it may be used: one stored under an older, wider bound reads as the bound."""
    if key in SECONDS_KEYS and isinstance(value, int) and value > MAX_LIFETIME_SECONDS:
        return MAX_LIFETIME_SECONDS
    return value


def defaults() -> dict:
    oauth = settings.OAUTH2_PROVIDER
    return {
        "ACCESS_TOKEN_EXPIRE_SECONDS": oauth["ACCESS_TOKEN_EXPIRE_SECONDS"],
        "REFRESH_TOKEN_EXPIRE_SECONDS": oauth["REFRESH_TOKEN_EXPIRE_SECONDS"],
        "AUTHORIZATION_CODE_EXPIRE_SECONDS": oauth["AUTHORIZATION_CODE_EXPIRE_SECONDS"],
        "ALLOW_OAUTH2_FOR_EXTERNAL_USERS": getattr(settings, "ALLOW_OAUTH2_FOR_EXTERNAL_USERS", False),
        "PAT_MAX_LIFETIME_SECONDS": getattr(settings, "PAT_MAX_LIFETIME_SECONDS", None),
        "PAT_DEFAULT_LIFETIME_SECONDS": getattr(settings, "PAT_DEFAULT_LIFETIME_SECONDS", None),
        "TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": getattr(
            settings, "TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH", False
        ),
    }


def current() -> dict:
    """Every runtime setting, stored values over defaults."""
    values = defaults()
    for key, value in ConfigValue.objects.filter(key__in=list(values)).values_list("key", "value"):
        values[key] = bounded(key, value)
    return values


def get(key: str):
    if key not in defaults():
        raise KeyError(key)
    stored = list(ConfigValue.objects.filter(key=key).values_list("value", flat=True))
    return bounded(key, stored[0]) if stored else defaults()[key]


# The key of the PostgreSQL advisory lock that serializes writers of the store (any fixed number).
STORE_LOCK_KEY = 7_301_000_001


def snapshot() -> dict:
    """Every runtime setting in one read, which no change of the store may overtake before the transaction ends.

    For a write that applies the settings (minting a token with its default and maximum
    lifetime): inside a transaction on PostgreSQL the store's lock is held shared until it
    ends, so a settings change waits for the writes that read the settings before it, and
    a write that reads after a change sees all of it. Each such write follows exactly one
    state of the settings, the one in force when it commits. SQLite serializes write
    transactions already (settings).
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [STORE_LOCK_KEY])
    return current()


def _lock_store() -> None:
    """Make writers of the store wait for each other until the transaction ends.

    A rule across settings (a default below its maximum) is judged on the values stored
    when the writer holds this lock, so two writers that each change one side cannot both
    pass it on what they read before. Rows cannot carry the lock: a setting left at its
    default has none. SQLite's write transactions take the database lock when they begin
    (settings), which serializes them already.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STORE_LOCK_KEY])


@transaction.atomic
def update(values: dict, *, check: Callable[[dict], None] | None = None) -> dict:
    """Store `values` (already validated); return {key: [old, new]} for what changed.

    `check(merged)` is called with every setting as it will be, under the store's lock, and
    refuses the whole update by raising.
    """
    _lock_store()
    before = current()
    if check is not None:
        check({**before, **values})
    changes = {}
    for key, value in values.items():
        if before.get(key) != value:
            ConfigValue.objects.update_or_create(key=key, defaults={"value": value})
            changes[key] = [before.get(key), value]
    return changes
