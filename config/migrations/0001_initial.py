# Runtime settings moved here from the project package: the table they have always had
# (tokensvc_configvalue, created by tokensvc 0003) stays as it is, rows and all, and only
# Django's record of which app owns the model changes. tokensvc 0004 forgets it there.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tokensvc', '0003_config_value'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ConfigValue',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=128, unique=True)),
                        ('value', models.JSONField(null=True)),
                        ('modified', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'db_table': 'tokensvc_configvalue',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
