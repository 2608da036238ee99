# ActivityEntry and ConfigValue now belong to the `activity` and `config` apps, whose 0001
# migrations take them over with their tables unchanged. Here the project package forgets
# them (state only: no table is dropped), and their content types follow them, so that
# anything pointing at a content type (permissions) keeps pointing at the same model.

from django.db import migrations

MOVED = (("activityentry", "activity"), ("configvalue", "config"))


def _relabel(apps, *, forwards: bool):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app in MOVED:
        old, new = ("tokensvc", app) if forwards else (app, "tokensvc")
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, forwards=True)


def backwards(apps, schema_editor):
    _relabel(apps, forwards=False)


class Migration(migrations.Migration):

    dependencies = [
        ('tokensvc', '0003_config_value'),
        ('activity', '0001_initial'),
        ('config', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ActivityEntry'),
                migrations.DeleteModel(name='ConfigValue'),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
