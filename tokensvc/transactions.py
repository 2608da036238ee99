"""Retrying a whole transaction that the database aborted to break a deadlock or a serialization conflict."""

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, transaction

# PostgreSQL's SQLSTATEs for "deadlock detected" and "could not serialize access": the
# transaction was rolled back whole and running it again is the documented remedy.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3


def is_retryable(error: Exception) -> bool:
    cause = error.__cause__
    return getattr(cause, "pgcode", None) in RETRYABLE_SQLSTATES or getattr(cause, "sqlstate", None) in (
        RETRYABLE_SQLSTATES
    )


def run_atomic(func, /, *args, before_retry=None, attempts: int = ATTEMPTS, using=None, **kwargs):
    """`func(*args, **kwargs)` in a transaction, run again when the database aborted it as a deadlock victim.

    Only the outermost transaction can be retried: inside one that is already open, a
    deadlock has rolled back work this function never saw, so the error is left to whoever
    opened it. `before_retry()` runs after a rollback, e.g. to reload an instance the first
    attempt changed in memory.
    """
    if transaction.get_connection(using).in_atomic_block:
        with transaction.atomic(using=using):
            return func(*args, **kwargs)
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic(using=using):
                return func(*args, **kwargs)
        except OperationalError as error:
            if attempt == attempts or not is_retryable(error):
                raise
        # A short random pause, so the transactions that collided do not collide again.
        time.sleep(random.uniform(0.005, 0.05) * attempt)  # noqa: S311 - jitter, not a secret
        if before_retry is not None:
            before_retry()
    raise AssertionError("unreachable")


_P = ParamSpec("_P")
_R = TypeVar("_R")


def retrying(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator form of `run_atomic`, for a service function that is its own transaction."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        # Bound first, so that no argument of `func` is taken for one of run_atomic's own.
        return run_atomic(functools.partial(func, *args, **kwargs))

    return wrapper
