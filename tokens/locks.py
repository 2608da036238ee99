"""The one order in which the rows of a user's credentials are locked, and minting's check of the locked user.

Every transaction that mints, rotates or revokes tokens takes its row locks in this order,
and never a lock of an earlier step after one of a later step:

1. the user rows, by ascending id (`lock_user`, `lock_users`);
2. access tokens, by ascending id;
3. refresh tokens, by ascending id;
4. authorization codes (grants).

Taking the user row first makes every writer of one user's credentials queue on that row,
so two of them never wait on each other's token rows in a circle (a refresh grant and a
bulk revocation once did, and PostgreSQL broke the deadlock by rolling back the
deactivation). It is also what makes deactivation final: deactivating updates the user row
and revokes under that lock, and whatever mints a token locks the same row and re-reads
`is_active` (`lock_active_user`), so a token is either minted before the deactivation
committed, and revoked by it, or refused.

The user row is locked FOR NO KEY UPDATE (the lock an UPDATE of the row takes), not FOR
UPDATE: inserting a row that references the user (a token, an activity record) takes FOR
KEY SHARE on it, which FOR NO KEY UPDATE does not wait for. SQLite has no row locks; its
write transactions take the database lock when they begin (settings), which serializes
them all. A transaction that loses a deadlock anyway is run again by
`tokensvc.transactions.run_atomic` where it is the outermost one.
"""

from django.core.exceptions import PermissionDenied

from users.models import User

INACTIVE_MESSAGE = "The user is inactive; an inactive user cannot obtain tokens."


class InactiveUser(PermissionDenied):
    """Minting refused: the owner was deactivated (403 through the API)."""

    def __init__(self, message: str = INACTIVE_MESSAGE):
        super().__init__(message)


def lock_user(user_id: int | None) -> User | None:
    """Step 1 for one user: the user row, locked until the transaction ends, as stored now (None: no user)."""
    if user_id is None:
        return None
    return User.objects.select_for_update(no_key=True).filter(pk=user_id).first()


def lock_users(user_ids) -> list[int]:
    """Step 1 for several users (a queryset of ids or a list), by ascending id; the ids locked."""
    return list(
        User.objects.select_for_update(no_key=True).filter(pk__in=user_ids).order_by("pk").values_list("pk", flat=True)
    )


def lock_active_user(user_id: int) -> User:
    """The owner of a token about to be minted, locked and re-read: InactiveUser if deactivated (or deleted)."""
    user = lock_user(user_id)
    if user is None or not user.is_active:
        raise InactiveUser()
    return user
