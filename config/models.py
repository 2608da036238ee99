"""Runtime settings stored in the database, kept in the table they have always had."""

from django.db import models


class ConfigValue(models.Model):
    """A runtime setting stored in the database; it overrides the settings-module default."""

    key = models.CharField(max_length=128, unique=True)
    value = models.JSONField(null=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        # The table keeps the name it had when the project package held this model.
        db_table = "tokensvc_configvalue"

    def __str__(self):
        return self.key
