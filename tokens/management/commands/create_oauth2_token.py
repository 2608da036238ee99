"""Create a personal access token for a user and print its value (the only time it is shown).

With `--organization NAME` the token is bound to that organization. A token the
organizations' token policy refuses is one error line and a non-zero exit.
"""

from django.core.management.base import BaseCommand, CommandError

from tokens import policy
from tokens.locks import InactiveUser
from tokens.models import AccessToken, IssuedVia
from tokens.services import token_issue
from tokensvc.commands import find_user, note
from tokensvc.types import type_name
from users.models import Organization


class Command(BaseCommand):
    help = "Create a personal access token for --user and print only its value."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="USERNAME", help="The token's owner (required).")
        parser.add_argument(
            "--scope", choices=["read", "write"], default=policy.DEFAULT_SCOPE, help="Token scope (default: write)."
        )
        parser.add_argument("--description", default="", help="What the token is for.")
        parser.add_argument(
            "--organization",
            metavar="NAME",
            help="Bind the token to this organization, whose objects alone it then reaches (default: unbound).",
        )

    def handle(self, *args, **options):
        if not options["user"]:
            raise CommandError("The --user option is required: the username of the token's owner.")
        user = find_user(options["user"])
        if not user.is_active:
            raise CommandError("The user is inactive.")
        denial = policy.external_user_denial(user)
        if denial:
            raise CommandError(denial)
        if len(options["description"]) > 512:
            raise CommandError("The description may be at most 512 characters.")
        organization = None
        if options["organization"] is not None:
            organization = Organization.objects.filter(name=options["organization"]).first()
            if organization is None:
                raise CommandError("An organization with that name does not exist.")
            denial = policy.binding_denial(user, organization)
            if denial:
                raise CommandError(denial)
        try:
            issued = token_issue(
                actor=None,
                user=user,
                scope=options["scope"],
                description=options["description"],
                # No expiry: the service gives the policy's default for a PAT, as through the API.
                issued_via=IssuedVia.COMMAND,
                organization=organization,
            )
        except InactiveUser:
            # Deactivated since the check above: the owner's row, read under its lock, decides.
            raise CommandError("The user is inactive.") from None
        except policy.PolicyViolation as violation:
            raise CommandError(f"{violation.message} ({violation.code})") from None
        note(
            "create_oauth2_token",
            operation="create",
            object_type=type_name(AccessToken),
            subject=user,
            token_id=issued.token.pk,
            scope=options["scope"],
            organization=organization.name if organization is not None else "-",
        )
        self.stdout.write(issued.value)
