# The activity stream moved here from the project package: the table it has always had
# (tokensvc_activityentry, created by tokensvc 0001-0002) stays as it is, rows and all, and
# only Django's record of which app owns the model changes. tokensvc 0004 forgets it there.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tokensvc', '0003_config_value'),
        ('users', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ActivityEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('timestamp', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('actor_username', models.CharField(blank=True, default='', max_length=150)),
                        ('operation', models.CharField(max_length=32)),
                        ('object_type', models.CharField(db_index=True, max_length=64)),
                        ('object_id', models.BigIntegerField(db_index=True, null=True)),
                        ('object_repr', models.CharField(blank=True, default='', max_length=512)),
                        ('changes', models.JSONField(blank=True, default=dict)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='users.organization')),
                        ('subject_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'tokensvc_activityentry',
                        'ordering': ('-timestamp', '-id'),
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
