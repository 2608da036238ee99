"""Every list endpoint runs the same number of queries for 2 rows as for 50 (no N+1 anywhere)."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from rest_framework.mixins import ListModelMixin

from activity.models import ActivityEntry
from tests import factories
from tests.support.routes import walk_patterns
from users.models import Membership, Organization


@dataclass
class World:
    org: Organization
    subject: object  # a member of `org`, whose sub-lists are read
    application: object  # an application of `org`
    token: object  # an application token of `subject`


@dataclass
class ListCase:
    """How to reach one list endpoint and how to add `count` rows that it lists."""

    url: Callable[[World], str]
    add_rows: Callable[[World, int, int], None]  # (world, first index, count)
    grows: bool = True  # False where the list cannot grow (e.g. /me/)


def _users(role):
    def add(world, start, count):
        for index in range(start, start + count):
            factories.user(f"row{index}", **{f"{role}_of": [world.org]})

    return add


def _organizations(role):
    def add(world, start, count):
        for index in range(start, start + count):
            organization = factories.organization(f"Org {index}")
            Membership.objects.create(user=world.subject, organization=organization, role=role)

    return add


def _applications(world, start, count):
    for index in range(start, start + count):
        factories.application(world.org, name=f"App {index}")


def _application_tokens(world, start, count):
    for index in range(start, start + count):
        factories.application_token(world.subject, world.application, description=f"token {index}")


def _personal_tokens(world, start, count):
    for index in range(start, start + count):
        factories.personal_token(world.subject, description=f"pat {index}")


def _activity(object_type, obj_of):
    def add(world, start, count):
        obj = obj_of(world)
        ActivityEntry.objects.bulk_create(
            ActivityEntry(
                actor=world.subject,
                actor_username=world.subject.username,
                operation="update",
                object_type=object_type,
                object_id=obj.pk,
                object_repr=f"entry {index}",
                changes={"description": [str(index), str(index + 1)]},
                organization=world.org,
                subject_user=world.subject,
            )
            for index in range(start, start + count)
        )

    return add


# Every list route under /api/v2/ needs a row here (the completeness test says which are missing).
# Key: the route as the URL resolver spells it.
LIST_ENDPOINT_ROWS = {
    "api/v2/me/": ListCase(lambda w: "/api/v2/me/", _users("member"), grows=False),
    "api/v2/users/": ListCase(lambda w: "/api/v2/users/", _users("member")),
    "api/v2/users/<user_ref:pk>/organizations/": ListCase(
        lambda w: f"/api/v2/users/{w.subject.username}/organizations/", _organizations("member")
    ),
    "api/v2/users/<user_ref:pk>/admin_of_organizations/": ListCase(
        lambda w: f"/api/v2/users/{w.subject.pk}/admin_of_organizations/", _organizations("admin")
    ),
    "api/v2/organizations/": ListCase(lambda w: "/api/v2/organizations/", _organizations("member")),
    "api/v2/organizations/<int:pk>/users/": ListCase(
        lambda w: f"/api/v2/organizations/{w.org.pk}/users/", _users("member")
    ),
    "api/v2/organizations/<int:pk>/admins/": ListCase(
        lambda w: f"/api/v2/organizations/{w.org.pk}/admins/", _users("admin")
    ),
    "api/v2/organizations/<int:pk>/auditors/": ListCase(
        lambda w: f"/api/v2/organizations/{w.org.pk}/auditors/", _users("auditor")
    ),
    "api/v2/applications/": ListCase(lambda w: "/api/v2/applications/", _applications),
    "api/v2/organizations/<int:pk>/applications/": ListCase(
        lambda w: f"/api/v2/organizations/{w.org.pk}/applications/", _applications
    ),
    "api/v2/users/<str:pk>/applications/": ListCase(
        lambda w: f"/api/v2/users/{w.subject.username}/applications/", _applications
    ),
    "api/v2/tokens/": ListCase(lambda w: "/api/v2/tokens/", _application_tokens),
    "api/v2/applications/<int:pk>/tokens/": ListCase(
        lambda w: f"/api/v2/applications/{w.application.pk}/tokens/", _application_tokens
    ),
    "api/v2/users/<user_ref:pk>/tokens/": ListCase(lambda w: f"/api/v2/users/{w.subject.pk}/tokens/", _personal_tokens),
    "api/v2/users/<user_ref:pk>/personal_tokens/": ListCase(
        lambda w: f"/api/v2/users/{w.subject.pk}/personal_tokens/", _personal_tokens
    ),
    "api/v2/users/<user_ref:pk>/authorized_tokens/": ListCase(
        lambda w: f"/api/v2/users/{w.subject.pk}/authorized_tokens/", _application_tokens
    ),
    "api/v2/activity_stream/": ListCase(
        lambda w: "/api/v2/activity_stream/", _activity("organization", lambda w: w.org)
    ),
    "api/v2/applications/<int:pk>/activity_stream/": ListCase(
        lambda w: f"/api/v2/applications/{w.application.pk}/activity_stream/",
        _activity("o_auth2_application", lambda w: w.application),
    ),
    "api/v2/tokens/<int:pk>/activity_stream/": ListCase(
        lambda w: f"/api/v2/tokens/{w.token.pk}/activity_stream/",
        _activity("o_auth2_access_token", lambda w: w.token),
    ),
}


def list_routes() -> list[str]:
    """Every /api/v2/ route served by a list view, discovered from the URL resolver."""
    routes = set()
    for route, callback in walk_patterns(get_resolver().url_patterns):
        view_class = getattr(callback, "cls", None)
        if route.startswith("api/v2/") and view_class is not None and issubclass(view_class, ListModelMixin):
            routes.add(route)
    return sorted(routes)


def test_every_list_endpoint_has_a_row_factory():
    missing = [route for route in list_routes() if route not in LIST_ENDPOINT_ROWS]
    assert not missing, f"add these list routes to LIST_ENDPOINT_ROWS: {missing}"
    stale = [route for route in LIST_ENDPOINT_ROWS if route not in list_routes()]
    assert not stale, f"these LIST_ENDPOINT_ROWS entries no longer exist: {stale}"


@pytest.fixture
def world(org):
    subject = factories.user("subject", member_of=[org])
    application = factories.application(org, name="Subject app")
    token = factories.application_token(subject, application).token
    return World(org=org, subject=subject, application=application, token=token)


def _measure(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200, response.content
    return len(queries), response.json()["count"], [query["sql"] for query in queries]


# The superuser sees every row; the subject sees most rows through ordinary roles, which is
# where per-row permission checks would hide; the org admin sees them through admin rights.
@pytest.mark.parametrize("persona_name", ["superuser", "subject", "org_admin"])
@pytest.mark.parametrize("route", sorted(LIST_ENDPOINT_ROWS))
def test_list_queries_do_not_grow_with_rows(route, persona_name, world, persona, client_for):
    case = LIST_ENDPOINT_ROWS[route]
    client = client_for(world.subject if persona_name == "subject" else persona(persona_name))
    url = case.url(world)
    case.add_rows(world, 0, 2)
    # A first request may do once-per-interval bookkeeping (the token's last use).
    client.get(url)

    few, few_count, _ = _measure(client, url)
    case.add_rows(world, 2, 48)
    many, many_count, many_sql = _measure(client, url)

    assert many == few, f"{url}: {few} queries for 2 rows, {many} for 50:\n" + "\n".join(many_sql)
    if case.grows and persona_name == "superuser":
        assert many_count >= few_count + 48, f"{url} did not list the new rows"
