"""Give every organization a stable UUID: each existing row its own, then unique and required."""

import uuid

from django.db import migrations, models


def fill_uuids(apps, schema_editor):
    Organization = apps.get_model("users", "Organization")
    for pk in Organization.objects.filter(uuid__isnull=True).values_list("pk", flat=True).iterator():
        Organization.objects.filter(pk=pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0002_username_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill_uuids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="organization",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
