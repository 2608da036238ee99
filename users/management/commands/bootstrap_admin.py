"""Create the first system administrator without prompts; a second run changes nothing."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from users.services import user_create

GENERATED_PASSWORD_BYTES = 24


class Command(BaseCommand):
    help = (
        "Create the first superuser non-interactively. The username comes from --username or "
        "ADMIN_USERNAME (default 'admin'), the email from --email or ADMIN_EMAIL, the password from "
        "ADMIN_PASSWORD; without one a random password is generated and printed once. "
        "If the user already exists nothing is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", help="Username of the administrator (default: $ADMIN_USERNAME or 'admin').")
        parser.add_argument("--email", help="Email address (default: $ADMIN_EMAIL).")

    def handle(self, *args, **options):
        username = options["username"] or os.environ.get("ADMIN_USERNAME") or "admin"
        email = options["email"] or os.environ.get("ADMIN_EMAIL", "")
        User = get_user_model()
        self._validate_identity(User, username, email)

        if User.objects.filter(username=username).exists():
            # Never touch an existing account: its password may have been changed since.
            self.stdout.write(f"User '{username}' already exists; nothing changed.")
            return

        password = os.environ.get("ADMIN_PASSWORD") or ""
        generated = not password
        if generated:
            password = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
        else:
            candidate = User(username=username, email=email)
            try:
                validate_password(password, user=candidate)
            except ValidationError as error:
                # The messages describe the rule broken, never the password itself.
                raise CommandError("ADMIN_PASSWORD is not acceptable: " + " ".join(error.messages)) from None

        user_create(
            actor=None,
            password=password,
            username=username,
            email=email,
            is_superuser=True,
            is_staff=True,
        )
        self.stdout.write(self.style.SUCCESS(f"Created superuser '{username}'."))
        if generated:
            self.stdout.write(f"Generated password (shown only this once): {password}")

    def _validate_identity(self, User, username: str, email: str) -> None:
        try:
            User._meta.get_field("username").run_validators(username)
        except ValidationError as error:
            raise CommandError(f"Invalid username {username!r}: " + " ".join(error.messages)) from None
        if email:
            try:
                validate_email(email)
            except ValidationError as error:
                raise CommandError(f"Invalid email {email!r}: " + " ".join(error.messages)) from None
