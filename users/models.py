"""Users, organizations and the role a user holds in an organization."""

import unicodedata
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from .roles import Role, roles_granting


def username_key(username: str) -> str:
    """The form in which two usernames are the same name: compatibility-normalised (NFKC) and case-folded.

    "Admin", "ａdmin" (fullwidth a) and "admin" have one key. Case folding can undo the
    normalisation, so the result is normalised again.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


class UsernameKeyField(models.CharField):
    """`username_key(username)`, worked out whenever the row is written (bulk inserts included)."""

    def pre_save(self, model_instance, add):
        value = username_key(model_instance.username)
        setattr(model_instance, self.attname, value)
        return value


class User(AbstractUser):
    """A person. `is_superuser` is the system administrator.

    Usernames are unique as people read them: two that differ only in case or in Unicode
    compatibility form (a fullwidth letter, a ligature, a subscript digit) cannot both exist,
    which `username_key` enforces in the database. Lookups by username stay exact.
    """

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
    # Case folding may lengthen a name (ß is ss) up to three times.
    username_key = UsernameKeyField(max_length=450, unique=True, editable=False)

    class Meta:
        ordering = ("username",)

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_key"}
        super().save(*args, **kwargs)

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
    # How other systems name the organization without its (changeable) name: the
    # lifecycle API's `targetAccounts` of a token bound to it.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
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
