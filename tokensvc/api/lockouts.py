"""A lockout of the failed-authentication limits (tokensvc/throttling.py) as DRF's 429."""

from rest_framework import exceptions

from tokensvc import throttling


class TooManyFailures(exceptions.Throttled):
    """429 whose `wait` DRF's handlers send as `Retry-After`.

    The message already says when to retry: DRF's own "Expected available in ..." is left out.
    """

    def __init__(self, lockout: throttling.Lockout):
        super().__init__(detail=lockout.message)
        self.wait = lockout.retry_after


def too_many_failures(lockout: throttling.Lockout) -> exceptions.Throttled:
    return TooManyFailures(lockout)
