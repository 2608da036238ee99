"""Each model's Tower type name is given once (tokensvc/types.py) and every reader asks for it there."""

import ast

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import SimpleLazyObject

from activity import registry as activity_types
from activity.models import ActivityEntry
from applications.models import Application
from config.models import ConfigValue
from tests import factories
from tests.support.paths import PROJECT_DIR
from tokens.models import AccessToken, OrganizationTokenPolicy
from tokensvc import types
from tokensvc.access import registered
from tokensvc.types import type_name
from users.models import Membership, Organization, User

ROOT = PROJECT_DIR


def test_each_model_has_the_name_clients_know():
    assert types.registered() == {
        User: "user",
        Organization: "organization",
        Application: "o_auth2_application",
        AccessToken: "o_auth2_access_token",
        ActivityEntry: "activity_stream",
        ConfigValue: "setting",
        OrganizationTokenPolicy: "organization_token_policy",
    }


def test_every_model_with_a_policy_has_a_type_name():
    assert set(registered()) <= set(types.registered())


@pytest.mark.django_db
def test_an_instance_or_a_lazy_user_has_its_model_s_name():
    user = factories.user("someone")
    assert type_name(user) == type_name(SimpleLazyObject(lambda: user)) == "user"


def test_an_unnamed_model_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="has no type name"):
        type_name(Membership)


def test_a_name_is_given_once():
    with pytest.raises(ImproperlyConfigured, match="already named"):
        types.register(User, "person")
    with pytest.raises(ImproperlyConfigured, match="already names"):
        types.register(Membership, "user")
    assert type_name(User) == "user" and Membership not in types.registered()


def test_the_activity_stream_knows_each_app_s_object_types():
    assert set(activity_types.registered()) == {
        "user",
        "organization",
        "o_auth2_application",
        "o_auth2_access_token",
        "organization_token_policy",
    }


@pytest.mark.django_db
def test_serializers_and_records_use_the_registered_name(client_for, org_admin, org):
    client = client_for(org_admin)
    created = client.patch(f"/api/v2/organizations/{org.pk}/", {"description": "named"}, format="json")
    assert created.status_code == 200, created.content
    assert created.json()["type"] == type_name(Organization)
    entry = ActivityEntry.objects.get(object_id=org.pk, operation="update")
    assert entry.object_type == type_name(Organization)
    listed = client.get(f"/api/v2/activity_stream/{entry.pk}/").json()
    assert listed["type"] == type_name(ActivityEntry)
    assert listed["related"]["object"] == f"/api/v2/organizations/{org.pk}/"


def imported_apps(package: str) -> set[str]:
    """The top-level packages that the modules of `package` import (migrations aside)."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


APPS = {"users", "applications", "tokens", "oauth", "activity", "config"}


@pytest.mark.parametrize(
    ("package", "may_import"),
    [("tokensvc/access", set()), ("activity", {"activity"}), ("config", {"activity", "config"})],
)
def test_the_stream_and_the_settings_import_no_app(package, may_import):
    assert imported_apps(package) & APPS <= may_import
