"""Set-based revocation of many tokens at once: refresh-token reuse and the admin commands.

Revocation is the same tombstone `AccessToken.revoke()` writes (`revoked_at`, `revoked_by`),
applied with a few statements instead of one round trip per token; every revoked token
still gets its activity record (without any value).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tokens.models import AccessToken, RefreshToken
from tokensvc import activity
from tokensvc.models import ActivityEntry

CHUNK = 500


@dataclass(frozen=True)
class RevokedToken:
    """What may be shown about a revoked token: never its value."""

    id: int
    username: str
    application: str | None


@transaction.atomic
def revoke_access_tokens(queryset, *, actor=None, reason: str = "") -> list[RevokedToken]:
    """Tombstone every live access token of `queryset`; return what was revoked."""
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


@transaction.atomic
def revoke_refresh_tokens(queryset) -> int:
    """Mark every live refresh token of `queryset` revoked; return how many."""
    now = timezone.now()
    return queryset.filter(revoked__isnull=True).update(revoked=now, updated=now)


@transaction.atomic
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
