"""Moving the activity stream and runtime settings into their own apps keeps every row and content type."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from activity.models import ActivityEntry
from config import runtime
from config.models import ConfigValue
from tests import factories

# The last state in which the project package owned both models: the new apps unapplied.
BEFORE_TOKENSVC = ("tokensvc", "0003_config_value")
BEFORE = [BEFORE_TOKENSVC, ("activity", None), ("config", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


def content_type_ids(app_label: str) -> dict[str, int]:
    rows = ContentType.objects.filter(app_label=app_label, model__in=("activityentry", "configvalue"))
    return dict(rows.values_list("model", "pk"))


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_read_after_it():
    moved_types = {**content_type_ids("activity"), **content_type_ids("config")}
    owner = factories.user("owner")
    org = factories.organization("Org")

    old_apps = migrate(BEFORE).loader.project_state(BEFORE_TOKENSVC).apps
    try:
        # Written through the models as the project package had them.
        old_entry = old_apps.get_model("tokensvc", "ActivityEntry").objects.create(
            actor_id=owner.pk,
            actor_username="owner",
            operation="update",
            object_type="organization",
            object_id=org.pk,
            object_repr="Org",
            changes={"description": ["", "new"]},
            organization_id=org.pk,
            subject_user_id=owner.pk,
        )
        old_apps.get_model("tokensvc", "ConfigValue").objects.create(key="ACCESS_TOKEN_EXPIRE_SECONDS", value=4321)
        # The content types went back with the models, keeping their ids.
        assert content_type_ids("tokensvc") == moved_types
    finally:
        migrate(None)
        ContentType.objects.clear_cache()

    entry = ActivityEntry.objects.get(pk=old_entry.pk)
    assert (entry.actor, entry.subject_user, entry.organization) == (owner, owner, org)
    assert (entry.operation, entry.object_type, entry.object_id, entry.object_repr) == (
        "update",
        "organization",
        org.pk,
        "Org",
    )
    assert entry.changes == {"description": ["", "new"]}
    assert entry.timestamp == old_entry.timestamp
    assert list(ConfigValue.objects.values_list("key", "value")) == [("ACCESS_TOKEN_EXPIRE_SECONDS", 4321)]
    assert runtime.get("ACCESS_TOKEN_EXPIRE_SECONDS") == 4321
    assert {**content_type_ids("activity"), **content_type_ids("config")} == moved_types
    assert content_type_ids("tokensvc") == {}


def test_the_moved_models_keep_their_tables():
    assert ActivityEntry._meta.db_table == "tokensvc_activityentry"
    assert ConfigValue._meta.db_table == "tokensvc_configvalue"
