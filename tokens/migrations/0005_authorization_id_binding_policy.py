"""Tokens get a stable public UUID (`authorization_id`) and an optional organization binding; organizations a token policy."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 1000


def fill_authorization_ids(apps, schema_editor):
    # Each existing token its own UUID, in batches so that a large table is not held in memory.
    AccessToken = apps.get_model("tokens", "AccessToken")
    pending = AccessToken.objects.filter(authorization_id__isnull=True).order_by("pk")
    while True:
        batch = list(pending.only("pk")[:BATCH])
        if not batch:
            break
        for token in batch:
            token.authorization_id = uuid.uuid4()
        AccessToken.objects.bulk_update(batch, ["authorization_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("tokens", "0004_access_token_issued_via"),
        ("users", "0003_organization_uuid"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="accesstoken",
            name="authorization_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill_authorization_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="accesstoken",
            name="authorization_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="accesstoken",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="bound_tokens",
                to="users.organization",
            ),
        ),
        migrations.CreateModel(
            name="OrganizationTokenPolicy",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "max_pat_lifetime_days",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="The longest a member's PAT may live, in days; null: no limit of its own.",
                        null=True,
                    ),
                ),
                (
                    "restrict_global_pats",
                    models.BooleanField(
                        default=False, help_text="Members may not create PATs that are bound to no organization."
                    ),
                ),
                (
                    "restrict_full_scope_pats",
                    models.BooleanField(
                        default=False,
                        help_text="Members may not create write-scoped PATs bound to this organization or to none.",
                    ),
                ),
                ("modified", models.DateTimeField(auto_now=True)),
                ("exempt_users", models.ManyToManyField(blank=True, related_name="+", to=settings.AUTH_USER_MODEL)),
                (
                    "organization",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="token_policy",
                        to="users.organization",
                    ),
                ),
            ],
        ),
    ]
