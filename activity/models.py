"""The activity stream: one row per recorded change, kept in the table it has always had."""

from django.conf import settings
from django.db import models


class ActivityEntry(models.Model):
    """One recorded change. Holds names and field values, never a secret."""

    class Operation(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"
        ASSOCIATE = "associate"
        DISASSOCIATE = "disassociate"

    timestamp = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True, default="")
    operation = models.CharField(max_length=32)
    object_type = models.CharField(max_length=64, db_index=True)
    object_id = models.BigIntegerField(null=True, db_index=True)
    object_repr = models.CharField(max_length=512, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    # Who the record concerns, so that visibility can be decided in SQL.
    organization = models.ForeignKey(
        "users.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        # The table keeps the name it had when the project package held this model.
        db_table = "tokensvc_activityentry"
        ordering = ("-timestamp", "-id")

    def __str__(self):
        return f"{self.operation} {self.object_type} #{self.object_id}"
