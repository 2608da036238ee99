"""Lift a lockout now: forget the failed authentications counted for a username, client_id or address."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tokensvc import throttling
from tokensvc.commands import note


class Command(BaseCommand):
    help = (
        "Forget the failed authentications counted against --username, --client-id and/or --address "
        "(tokensvc/throttling.py), so a locked-out account, client or address may try again at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", help="A username (any case): its password failures.")
        parser.add_argument("--client-id", help="An OAuth2 client_id: its client-secret failures.")
        parser.add_argument("--address", help="A client address: its password, client-secret and Bearer failures.")

    def handle(self, *args, **options):
        username, client_id, address = options["username"], options["client_id"], options["address"]
        if not (username or client_id or address):
            raise CommandError("Name what to clear: --username, --client-id and/or --address.")
        counters = []
        if username:
            counters.append(throttling.Counter(throttling.USERNAME, username))
        if client_id:
            counters.append(throttling.Counter(throttling.CLIENT, client_id))
        if address:
            counters += [
                throttling.Counter(throttling.ADDRESS, address),
                throttling.Counter(throttling.BEARER_ADDRESS, address),
            ]
        cleared = throttling.clear(counters)
        subject = get_user_model().objects.filter(username=username).first() if username else None
        facts = {"username": username or "-", "client_id": client_id or "-", "address": address or "-"}
        note(
            "clear_auth_failures",
            operation="delete",
            object_type="auth_failures",
            subject=subject,
            cleared=cleared,
            **facts,
        )
        self.stdout.write(f"Cleared {cleared} failure count(s) ({', '.join(f'{k}={v}' for k, v in facts.items())}).")
