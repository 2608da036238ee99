"""Access tokens (OAuth2 and personal), refresh tokens, grants and ID tokens.

Token values are never stored: django-oauth-toolkit keeps only their SHA-256 digest
(`token_checksum`) because COMPLIANT_BCP_RFC9700_TOKEN_STORAGE is on.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from oauth2_provider.models import AbstractAccessToken, AbstractGrant, AbstractIDToken, AbstractRefreshToken

STATUSES = ("active", "expired", "revoked", "all")


class AccessTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires__gt=timezone.now())

    def expired(self):
        """Past their expiry but not revoked: they can still be renewed until cleaned up."""
        return self.filter(revoked_at__isnull=True, expires__lte=timezone.now())

    def revoked(self):
        return self.filter(revoked_at__isnull=False)

    def with_status(self, status: str):
        """One of STATUSES; `all` keeps everything."""
        if status == "all":
            return self
        if status not in STATUSES:
            raise ValueError(status)
        return getattr(self, status)()

    def personal(self):
        return self.filter(application__isnull=True)


class IssuedVia(models.TextChoices):
    """How a token came to be, which decides whether it proves an interactive sign-in."""

    API = "api", "Created through /api/v2/"
    PASSWORD = "password", "Password grant"
    AUTHORIZATION_CODE = "authorization_code", "Authorization-code grant"
    COMMAND = "command", "Management command"


class AccessToken(AbstractAccessToken):
    """An access token. A personal access token (PAT) has no application."""

    description = models.CharField(max_length=512, blank=True, default="")
    # The stable public name of the token, the lifecycle API's `authorizationId`; never a secret.
    authorization_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # A token bound to an organization reaches only that organization's objects (the access
    # core applies it to every policy); null: unbound. Deleting the organization deletes
    # the tokens bound to it rather than unbinding (widening) them.
    organization = models.ForeignKey(
        "users.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="bound_tokens"
    )
    token_hint = models.CharField(
        max_length=8, blank=True, default="", help_text="The last characters of the value, to recognise it."
    )
    last_used = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_via = models.CharField(
        max_length=32,
        choices=IssuedVia.choices,
        default=IssuedVia.API,
        help_text="How the token was obtained; a refresh or a rotation keeps the original way.",
    )
    rotated_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rotated_to"
    )
    # The expiry the owner was last warned about: renewing the token changes `expires`,
    # so the next window warns again (notify_expiring_tokens).
    expiry_notified_for = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AccessTokenQuerySet.as_manager()

    class Meta(AbstractAccessToken.Meta):
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"
        ordering = ("-created", "-id")

    @property
    def modified(self):
        return self.updated

    @property
    def is_personal(self) -> bool:
        return self.application_id is None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_valid(self, scopes=None):
        return not self.is_revoked and super().is_valid(scopes)

    def revoke(self, by=None) -> bool:
        """Revoke by tombstone: the row stays (for `?status=revoked` and audit) but never authenticates.

        True only for the call that revoked it: the UPDATE is conditional, so of concurrent
        calls on stale instances exactly one changes the row.
        """
        if self.revoked_at is not None:
            return False
        now = timezone.now()
        updated = AccessToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by, updated=now
        )
        if updated:
            self.revoked_at, self.revoked_by, self.updated = now, by, now
        return bool(updated)


class OrganizationTokenPolicy(models.Model):
    """An organization's rules for the personal access tokens of its members (tokens/policy.py applies them).

    No row: no rules beyond the system's. `exempt_users` are not held to these rules.
    """

    organization = models.OneToOneField("users.Organization", on_delete=models.CASCADE, related_name="token_policy")
    max_pat_lifetime_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="The longest a member's PAT may live, in days; null: no limit of its own."
    )
    restrict_global_pats = models.BooleanField(
        default=False, help_text="Members may not create PATs that are bound to no organization."
    )
    restrict_full_scope_pats = models.BooleanField(
        default=False, help_text="Members may not create write-scoped PATs bound to this organization or to none."
    )
    exempt_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    modified = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"token policy of organization {self.organization_id}"


class RefreshToken(AbstractRefreshToken):
    class Meta(AbstractRefreshToken.Meta):
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"


class IDToken(AbstractIDToken):
    class Meta(AbstractIDToken.Meta):
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"


class Grant(AbstractGrant):
    class Meta(AbstractGrant.Meta):
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"
