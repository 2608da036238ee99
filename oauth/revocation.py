"""Set-based revocation of many tokens at once: deactivation, bulk revocation, refresh-token reuse, the commands.

Revocation is the same tombstone `AccessToken.revoke()` writes (`revoked_at`, `revoked_by`),
applied with a few statements instead of one round trip per token; every revoked token
still gets its activity record (without any value).

Lock order (tokens/locks.py, the same for every path that mints or revokes): the owners'
user rows by id, then their access tokens by id, then refresh tokens by id, then
authorization codes. A revocation that is its own outermost transaction is run again when
PostgreSQL picks it as a deadlock or serialization victim (tokensvc/transactions.py);
inside a caller's transaction the caller decides. With the user rows locked first, a token
minted concurrently either committed before the lock was granted, and is revoked here, or
waits and finds its owner inactive.
"""

from dataclasses import dataclass

from django.utils import timezone

from tokens.locks import lock_users
from tokens.models import AccessToken, RefreshToken
from tokensvc import activity
from tokensvc.models import ActivityEntry
from tokensvc.transactions import retrying

CHUNK = 500


@dataclass(frozen=True)
class RevokedToken:
    """What may be shown about a revoked token: never its value."""

    id: int
    username: str
    application: str | None


@retrying
def revoke_access_tokens(queryset, *, actor=None, reason: str = "") -> list[RevokedToken]:
    """Tombstone every live access token of `queryset`; return what was revoked."""
    lock_users(queryset.filter(revoked_at__isnull=True).values("user_id"))
    rows = list(
        queryset.filter(revoked_at__isnull=True)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values(
            "pk",
            "user_id",
            "user__username",
            "application__name",
            "application__organization_id",
            "description",
        )
    )
    if not rows:
        return []
    now = timezone.now()
    by = actor if getattr(actor, "is_authenticated", False) else None
    ids = [row["pk"] for row in rows]
    for start in range(0, len(ids), CHUNK):
        AccessToken.objects.filter(pk__in=ids[start : start + CHUNK], revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by, updated=now
        )
    ActivityEntry.objects.bulk_create(
        [
            activity.entry(
                actor=by,
                operation="delete",
                object_type="o_auth2_access_token",
                object_id=row["pk"],
                object_repr=f"AccessToken #{row['pk']}",
                changes={"description": row["description"], "reason": reason} if reason else {},
                organization_id=row["application__organization_id"],
                subject_user_id=row["user_id"],
            )
            for row in rows
        ],
        batch_size=CHUNK,
    )
    return [RevokedToken(row["pk"], row["user__username"] or "", row["application__name"]) for row in rows]


@retrying
def revoke_refresh_tokens(queryset) -> int:
    """Mark every live refresh token of `queryset` revoked; return how many."""
    live = queryset.filter(revoked__isnull=True)
    lock_users(live.values("user_id"))
    # Locked by id before the UPDATE, which would otherwise lock them in whatever order it meets them.
    ids = list(live.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    now = timezone.now()
    return RefreshToken.objects.filter(pk__in=ids, revoked__isnull=True).update(revoked=now, updated=now)


@retrying
def revoke_grants(queryset) -> int:
    """Delete the authorization codes of `queryset` not yet exchanged (step 4 of the lock order); return how many.

    Deactivation calls it: a pending code would otherwise still buy a token after a reactivation.
    """
    lock_users(queryset.values("user_id"))
    deleted, _ = queryset.delete()
    return deleted


@retrying
def revoke_family(token_family, *, reason: str) -> int:
    """Revoke every token descended from one authorization: refresh reuse was detected."""
    if not token_family:
        return 0
    family = RefreshToken.objects.filter(token_family=token_family)
    access = AccessToken.objects.filter(pk__in=family.values("access_token_id")) | AccessToken.objects.filter(
        source_refresh_token__token_family=token_family
    )
    revoked = revoke_access_tokens(access, reason=reason)
    revoke_refresh_tokens(family)
    return len(revoked)
