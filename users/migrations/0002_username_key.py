"""Usernames are unique after NFKC normalisation and case folding: a stored key, filled in, then made unique."""

import unicodedata

from django.db import migrations

import users.models


def _key(username: str) -> str:
    # A copy of users.models.username_key as it is now: a migration must not change with the code.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def fill_keys(apps, schema_editor):
    User = apps.get_model("users", "User")
    owners = {}
    clashes = []
    for pk, username in User.objects.order_by("pk").values_list("pk", "username").iterator():
        key = _key(username)
        if key in owners:
            clashes.append(f"{owners[key]!r} and {username!r}")
        else:
            owners[key] = username
        User.objects.filter(pk=pk).update(username_key=key)
    if clashes:
        raise RuntimeError(
            "These usernames differ only in case or Unicode form and can no longer coexist; rename all but one "
            "of each before migrating: " + "; ".join(clashes)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=users.models.UsernameKeyField(default="", editable=False, max_length=450),
            preserve_default=False,
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="username_key",
            field=users.models.UsernameKeyField(editable=False, max_length=450, unique=True),
        ),
    ]
