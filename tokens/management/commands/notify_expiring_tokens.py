"""Email every owner whose tokens expire within --days days (once per token and expiry), then summarise."""

from django.core.management.base import BaseCommand, CommandError

from tokens.notifications import notify_expiring
from tokensvc.commands import note

MAX_DAYS = 365


class Command(BaseCommand):
    help = (
        "Email each owner one message listing their live tokens that expire within --days days "
        "(description, last characters and expiry; never a value). A token is announced once per "
        "expiry, so running this again sends nothing new until a token is renewed or another one "
        "comes due. Owners without an email address are counted as skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="The window in days (default: 7).")

    def handle(self, *args, **options):
        days = options["days"]
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}.")
        summary = notify_expiring(days=days)
        note(
            "notify_expiring_tokens",
            operation="update",
            object_type="token_expiry_notice",
            days=days,
            emailed=len(summary.emailed),
            tokens=summary.tokens,
            skipped=len(summary.skipped),
            failed=len(summary.failed),
        )
        for username in summary.skipped:
            self.stdout.write(f"Skipped {username}: no email address.")
        for username in summary.failed:
            self.stderr.write(f"Could not email {username}; they will be tried again on the next run.")
        self.stdout.write(
            f"Emailed {len(summary.emailed)} owner(s) about {summary.tokens} token(s) expiring within {days} day(s); "
            f"skipped {len(summary.skipped)} owner(s) without an email address; {len(summary.failed)} failed."
        )
