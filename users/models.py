"""Users, organizations and the role a user holds in an organization."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from .roles import Role, roles_granting


class User(AbstractUser):
    """A person. `is_superuser` is the system administrator."""

    is_system_auditor = models.BooleanField(
        default=False, help_text="Reads everything in the system and changes nothing."
    )
    external_account = models.CharField(  # noqa: DJ001  (null is the documented "local account")
        max_length=64,
        null=True,
        blank=True,
        default=None,
        editable=False,
        help_text="The external authentication provider that created this account; null for local accounts.",
    )
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("username",)

    @property
    def created(self):
        return self.date_joined

    @property
    def is_external(self) -> bool:
        return bool(self.external_account)

    def organization_ids(self, permission: str):
        """A lazy subquery of the organizations where this user holds `permission`."""
        return Membership.objects.filter(user_id=self.pk, role__in=roles_granting(permission)).values("organization_id")


class Organization(models.Model):
    name = models.CharField(max_length=512, unique=True)
    description = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)

    def __str__(self):
        return self.name


class Membership(models.Model):
    """One role held by one user in one organization."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="unique_membership_role"),
        ]
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self):
        return f"{self.user_id}:{self.organization_id}:{self.role}"
