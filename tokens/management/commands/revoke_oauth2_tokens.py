"""Revoke access tokens (everyone's or one user's), and with --all their refresh tokens too."""

import tempfile

from django.core.management.base import BaseCommand

from tokens.models import AccessToken, RefreshToken
from tokens.services import tokens_revoke
from tokensvc.commands import find_user, note
from tokensvc.transactions import run_atomic
from tokensvc.types import type_name


class Command(BaseCommand):
    help = (
        "Revoke OAuth2 access tokens and personal access tokens, of every user or of --user. "
        "With --all (or its older name --revoke_refresh) refresh tokens are revoked as well; "
        "without it a refresh token may still obtain a new access token."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="USERNAME", help="Only this user's tokens.")
        switch = parser.add_mutually_exclusive_group()
        switch.add_argument("--all", dest="refresh", action="store_true", help="Revoke refresh tokens too.")
        switch.add_argument("--revoke_refresh", dest="refresh", action="store_true", help="Same as --all.")

    def revoke(self, user, access, refresh, with_refresh: bool, lines) -> tuple[int, int]:
        # Run again after a deadlock: what an attempt that rolled back wrote is forgotten.
        lines.seek(0)
        lines.truncate()
        counted = 0

        def report(chunk):
            # Written a chunk at a time to a file, not kept in memory, and printed once committed.
            nonlocal counted
            counted += len(chunk)
            for token in chunk:
                application = token.application if token.application is not None else "(personal access token)"
                lines.write(f"Revoked access token {token.id}: user {token.username}, application {application}\n")

        revocation = tokens_revoke(
            access_tokens=access,
            refresh_tokens=refresh if with_refresh else None,
            reason="revoke_oauth2_tokens",
            report=report,
        )
        note(
            "revoke_oauth2_tokens",
            operation="delete",
            object_type=type_name(AccessToken),
            subject=user,
            access_tokens=counted,
            refresh_tokens=revocation.refresh_tokens,
        )
        return counted, revocation.refresh_tokens

    def handle(self, *args, **options):
        user = find_user(options["user"]) if options["user"] else None
        access = AccessToken.objects.all()
        refresh = RefreshToken.objects.all()
        if user is not None:
            access, refresh = access.filter(user=user), refresh.filter(user=user)
        # One transaction, run again if PostgreSQL picks it as a deadlock victim (the locks are
        # taken in the order of tokens/locks.py, so only a path that ignores it could collide).
        with tempfile.TemporaryFile("w+", encoding="utf-8") as lines:
            revoked, refresh_count = run_atomic(self.revoke, user, access, refresh, options["refresh"], lines)
            lines.seek(0)
            for line in lines:
                self.stdout.write(line.rstrip("\n"))
        summary = f"Revoked {revoked} access token(s)"
        if options["refresh"]:
            summary += f" and {refresh_count} refresh token(s)"
        self.stdout.write(summary + ".")
