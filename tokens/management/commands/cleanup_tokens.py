"""Delete what can no longer be used: expired access tokens, expired refresh tokens, expired grants.

A revoked refresh token is kept until it would have expired anyway: while it lives, a replay
of it is recognised as reuse and revokes its family; deleted, it would look merely unknown.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from config import runtime
from tokens.models import AccessToken, Grant, RefreshToken
from tokens.services import CHUNK
from tokensvc.commands import note


class Command(BaseCommand):
    help = (
        "Delete expired access tokens (except those a live refresh token can still renew), refresh tokens "
        "older than REFRESH_TOKEN_EXPIRE_SECONDS (revoked or not), and expired authorization grants."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        refresh_cutoff = now - timedelta(seconds=runtime.get("REFRESH_TOKEN_EXPIRE_SECONDS"))
        refresh_count = delete_in_chunks(RefreshToken.objects.filter(created__lte=refresh_cutoff))
        renewable = RefreshToken.objects.filter(access_token=OuterRef("pk"), revoked__isnull=True)
        access_count = delete_in_chunks(AccessToken.objects.filter(expires__lte=now).exclude(Exists(renewable)))
        grant_count = delete_in_chunks(Grant.objects.filter(expires__lte=now))
        note(
            "cleanup_tokens",
            operation="delete",
            object_type="token_cleanup",
            access_tokens=access_count,
            refresh_tokens=refresh_count,
            grants=grant_count,
        )
        self.stdout.write(
            f"Deleted {access_count} expired access token(s), {refresh_count} expired refresh token(s) "
            f"and {grant_count} expired grant(s)."
        )


def delete_in_chunks(queryset) -> int:
    """Delete the rows of `queryset` CHUNK at a time, each chunk in a transaction of its own; return how many.

    Deleting a token sets the references to it to NULL first (a refresh token's access
    token, a successor's `rotated_from`), so Django loads every row it deletes: all at once,
    that was memory in proportion to the backlog, and one long transaction holding every
    row's lock. A chunk re-reads the condition, so what became usable meanwhile stays.
    """
    model, deleted = queryset.model, 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:CHUNK])
            if not ids:
                return deleted
            deleted += queryset.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)
        if len(ids) < CHUNK:
            return deleted
