"""A token bound to organization A against every /api/v2/ resource of organization B: missing, whoever holds it.

The routes come from the URL resolver (tests/support/routes.py): each route that names an
object is filled with each of B's objects of the kind it names, and every method it serves
answers 404; each list leaves B's objects out. A new route is covered by the kind of object
it names, and a route naming a kind this table does not know fails the completeness test.
The same bound token still answers /api/v2/me/, its own tokens and A's objects.
"""

from dataclasses import dataclass

import pytest
from django.db.models import Model

from activity.models import ActivityEntry
from applications.models import Application
from config.access import SettingAccess
from config.models import ConfigValue
from tests import factories
from tests.support.routes import PARAM, ROUTES, _model_for, body_for
from tokens import org_policy
from tokens.models import AccessToken, OrganizationTokenPolicy
from users.models import Organization, User

# admin_of_both administers A and B: only the binding keeps B from its token.
HOLDERS = ("superuser", "admin_of_both", "org_admin", "org_member")
# Unbound, these read every object of B: the binding alone hides them.
SEE_B_UNBOUND = ("superuser", "admin_of_both")
METHODS = ("get", "put", "patch", "delete", "post")


@pytest.fixture
def admin_of_both(org, other_org):
    return factories.user("admin_of_both", admin_of=[org, other_org])


@dataclass
class World:
    a: Organization
    b: Organization
    a_app: Application
    b_objects: dict[type[Model], list[Model]]


@pytest.fixture
def world(org, other_org, superuser):
    b_member = factories.user("b_member", member_of=[other_org])
    b_app = factories.application(other_org, name="B app")
    b_app_token = factories.application_token(b_member, b_app).token
    b_bound_token = factories.personal_token(b_member, organization=other_org).token
    b_policy = org_policy.organization_token_policy_update(
        actor=superuser, organization=other_org, values={"max_pat_lifetime_days": 30}
    )
    b_entry = ActivityEntry.objects.get(object_type="organization_token_policy", organization=other_org)
    a_app = factories.application(org, name="A app")
    return World(
        a=org,
        b=other_org,
        a_app=a_app,
        b_objects={
            Organization: [other_org],
            Application: [b_app],
            AccessToken: [b_app_token, b_bound_token],
            User: [b_member],
            ActivityEntry: [b_entry],
            # Named through its organization's URL; kept for the lists and the service's records.
            OrganizationTokenPolicy: [b_policy],
        },
    )


def _object_routes():
    """(route, view class, model of the object the route names) for every route with an id in it."""
    found = []
    for route, view_class in ROUTES:
        match = PARAM.search(route)
        if match is not None:
            found.append((route, view_class, _model_for(view_class, match.group("name"))))
    return found


OBJECT_ROUTES = _object_routes()
# Settings are no list of objects: test_settings_are_refused_with_the_reason covers them.
LIST_ROUTES = [
    (route, view_class)
    for route, view_class in ROUTES
    if PARAM.search(route) is None
    and hasattr(view_class, "get")
    and getattr(view_class, "access_model", None) not in (None, ConfigValue)
]
KNOWN_KINDS = {Organization, Application, AccessToken, User, ActivityEntry}


def test_every_route_names_an_object_kind_this_table_fills():
    unknown = sorted(route for route, _, model in OBJECT_ROUTES if model not in KNOWN_KINDS)
    assert unknown == [], f"give organization B an object for these routes: {unknown}"


def _fill(route, obj) -> str:
    return "/" + PARAM.sub(str(obj.pk), route)


@pytest.mark.parametrize("holder", HOLDERS)
@pytest.mark.parametrize(("route", "view_class", "model"), OBJECT_ROUTES, ids=[r for r, _, _ in OBJECT_ROUTES])
def test_b_objects_are_missing_for_a_token_bound_to_a(route, view_class, model, holder, world, persona, client_for):
    client = client_for(persona(holder), organization=world.a)
    for obj in world.b_objects[model]:
        url = _fill(route, obj)
        for method in METHODS:
            if not hasattr(view_class, method):
                continue
            body = body_for(view_class, {"member": obj}) if method in ("put", "patch", "post") else None
            response = getattr(client, method)(url, body, format="json")
            assert response.status_code == 404, (method, url, response.content)
    if holder in SEE_B_UNBOUND and hasattr(view_class, "get"):
        unbound = client_for(persona(holder))
        for obj in world.b_objects[model]:
            assert unbound.get(_fill(route, obj)).status_code == 200, _fill(route, obj)


def _listed_ids(client, url) -> set[int]:
    response = client.get(url, {"page_size": 200})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("holder", HOLDERS)
@pytest.mark.parametrize(("route", "view_class"), LIST_ROUTES, ids=[r for r, _ in LIST_ROUTES])
def test_b_objects_are_absent_from_lists(route, view_class, holder, world, persona, client_for):
    client = client_for(persona(holder), organization=world.a)
    url = "/" + route
    queries = ["", "?status=all"] if view_class.access_model is AccessToken else [""]
    b_ids = {obj.pk for obj in world.b_objects.get(view_class.access_model, [])}
    for query in queries:
        assert _listed_ids(client, url + query) & b_ids == set(), url + query
    if holder in SEE_B_UNBOUND and b_ids and view_class.__name__ != "Me":
        assert _listed_ids(client_for(persona(holder)), url + queries[-1]) >= b_ids


@pytest.mark.parametrize("holder", HOLDERS)
def test_b_token_policy_is_missing(holder, world, persona, client_for):
    client = client_for(persona(holder), organization=world.a)
    url = f"/api/v2/organizations/{world.b.pk}/token_policy/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"max_pat_lifetime_days": 1}, format="json").status_code == 404
    assert client.put(url, {"restrict_global_pats": True}, format="json").status_code == 404
    assert OrganizationTokenPolicy.objects.get(organization=world.b).max_pat_lifetime_days == 30


@pytest.mark.parametrize("holder", HOLDERS)
def test_settings_are_refused_with_the_reason(holder, world, persona, client_for):
    client = client_for(persona(holder), organization=world.a)
    for method, url in (
        ("get", "/api/v2/settings/"),
        ("get", "/api/v2/settings/authentication/"),
        ("patch", "/api/v2/settings/authentication/"),
        ("put", "/api/v2/settings/authentication/"),
    ):
        response = getattr(client, method)(url, {"ACCESS_TOKEN_EXPIRE_SECONDS": 60}, format="json")
        assert response.status_code in (403, 404), (method, url)
        if response.status_code == 403:
            assert response.json()["detail"] == SettingAccess.BOUND_MESSAGE
    assert not ConfigValue.objects.filter(key="ACCESS_TOKEN_EXPIRE_SECONDS").exists()


@pytest.mark.parametrize("holder", HOLDERS)
def test_the_bound_token_still_answers_for_itself_and_a(holder, world, persona, client_for):
    user = persona(holder)
    client = client_for(user, organization=world.a)
    assert client.get("/api/v2/me/").json()["results"][0]["id"] == user.pk
    own = client.get(f"/api/v2/tokens/{client.token.pk}/")
    assert own.status_code == 200
    assert own.json()["organization"] == world.a.pk
    assert client.token.pk in _listed_ids(client, f"/api/v2/users/{user.pk}/personal_tokens/")
    assert client.get(f"/api/v2/organizations/{world.a.pk}/").status_code == 200
    assert client.get(f"/api/v2/organizations/{world.a.pk}/token_policy/").status_code == 200
    assert client.get(f"/api/v2/applications/{world.a_app.pk}/").status_code == 200
    assert _listed_ids(client, "/api/v2/organizations/") == {world.a.pk}
    # Its user's own unbound PAT too; a PAT bound to B is not reachable, even the user's own.
    unbound = factories.personal_token(user).token
    assert client.get(f"/api/v2/tokens/{unbound.pk}/").status_code == 200
    if holder == "superuser":
        elsewhere = factories.personal_token(user, organization=world.b).token
        assert client.get(f"/api/v2/tokens/{elsewhere.pk}/").status_code == 404


def test_an_a_admin_s_bound_token_manages_tokens_bound_to_a(world, org_admin, org_member, client_for):
    bound = factories.personal_token(org_member, organization=world.a).token
    client = client_for(org_admin, organization=world.a)
    assert client.get(f"/api/v2/tokens/{bound.pk}/").status_code == 200
    assert client.patch(f"/api/v2/tokens/{bound.pk}/", {"scope": "read"}, format="json").status_code == 200
    assert client.delete(f"/api/v2/tokens/{bound.pk}/").status_code == 204
