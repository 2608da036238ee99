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
from tokensvc.commands import note


class Command(BaseCommand):
    help = (
        "Delete expired access tokens (except those a live refresh token can still renew), refresh tokens "
        "older than REFRESH_TOKEN_EXPIRE_SECONDS (revoked or not), and expired authorization grants."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        refresh_cutoff = now - timedelta(seconds=runtime.get("REFRESH_TOKEN_EXPIRE_SECONDS"))
        with transaction.atomic():
            dead_refresh = RefreshToken.objects.filter(created__lte=refresh_cutoff)
            refresh_count = dead_refresh.delete()[1].get(RefreshToken._meta.label, 0)
            renewable = RefreshToken.objects.filter(access_token=OuterRef("pk"), revoked__isnull=True)
            expired_access = AccessToken.objects.filter(expires__lte=now).exclude(Exists(renewable))
            access_count = expired_access.delete()[1].get(AccessToken._meta.label, 0)
            grant_count = Grant.objects.filter(expires__lte=now).delete()[1].get(Grant._meta.label, 0)
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
