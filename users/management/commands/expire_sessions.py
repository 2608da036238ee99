"""End browser sessions now: every user's, or one user's with --user."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import transaction

from tokensvc.commands import find_user, note


class Command(BaseCommand):
    help = "End all browser sessions, or only those of --user, and print how many were ended."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="USERNAME", help="Only this user's sessions.")

    def handle(self, *args, **options):
        user = find_user(options["user"]) if options["user"] else None
        with transaction.atomic():
            if user is None:
                count = Session.objects.all().delete()[0]
            else:
                # Who a session belongs to is only inside its signed payload.
                keys = [
                    session.pk
                    for session in Session.objects.iterator()
                    if session.get_decoded().get(SESSION_KEY) == str(user.pk)
                ]
                count = Session.objects.filter(pk__in=keys).delete()[0]
            note("expire_sessions", operation="delete", object_type="session", subject=user, sessions=count)
        whose = f" of user {user.get_username()}" if user else ""
        self.stdout.write(f"Ended {count} session(s){whose}.")
