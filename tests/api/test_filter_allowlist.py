"""List filters, ordering and search reach only what the caller is shown: a table per list, and a walk of them all."""

import pytest
from rest_framework.mixins import ListModelMixin

from tests import factories
from tests.support.routes import ROUTES, fill
from tokens import services as token_services
from tokens.models import AccessToken
from tokensvc.secret_fields import SECRET_FIELDS
from users.views import Me


@pytest.fixture
def world(db, org):
    """A superuser who revokes a member's token, so that the member sees the superuser as revoked_by and actor."""
    root = factories.user("root", is_superuser=True, first_name="Zed", email="root@example.org")
    admin = factories.user("org_admin", admin_of=[org], first_name="Ada", email="ada@example.org")
    member = factories.user("org_member", member_of=[org], email="member@example.org")
    app = factories.application(org, name="App")
    factories.personal_token(member, description="deploy bot")
    factories.application_token(member, app, description="laptop")
    revoked = factories.personal_token(member, description="revoked by root").token
    token_services.token_revoke(actor=root, token=revoked)
    return {"root": root, "admin": admin, "member": member, "org": org, "app": app, "revoked": revoked}


def _url(template: str, world) -> str:
    return template.format(
        member=world["member"].pk,
        admin=world["admin"].pk,
        root=world["root"].pk,
        org=world["org"].pk,
        app=world["app"].pk,
        revoked=world["revoked"].pk,
    )


# (list URL, query, expected status) as the member sees them. 400 names the field; secrets are 403.
TABLE = [
    # The oracles of the attack: fields of a superuser the member is never shown.
    ("/api/v2/tokens/", "status=revoked&revoked_by__first_name__startswith=Z", 400),
    ("/api/v2/tokens/", "status=revoked&revoked_by__first_name__startswith=Q", 400),
    ("/api/v2/tokens/", "status=revoked&revoked_by__email__startswith=root", 400),
    ("/api/v2/tokens/", "status=revoked&revoked_by__is_superuser=true", 400),
    ("/api/v2/tokens/", "status=revoked&revoked_by__last_login__isnull=true", 400),
    ("/api/v2/tokens/", "status=revoked&revoked_by__password__startswith=md5", 403),
    ("/api/v2/tokens/", "status=revoked&order_by=revoked_by__first_name", 400),
    ("/api/v2/tokens/", "status=revoked&order_by=-revoked_by__email", 400),
    ("/api/v2/tokens/", "user__password__startswith=md5", 403),
    ("/api/v2/tokens/", "user__email__endswith=example.org", 400),
    ("/api/v2/tokens/", "user__is_superuser=false", 400),
    ("/api/v2/tokens/", "order_by=user__email", 400),
    ("/api/v2/tokens/", "user__memberships__role=admin", 400),
    ("/api/v2/tokens/", "application__organization__name=Default", 400),
    ("/api/v2/tokens/", "application__client_secret__startswith=a", 403),
    ("/api/v2/tokens/", "application__redirect_uris__contains=http", 400),
    ("/api/v2/tokens/", "token_checksum__startswith=a", 403),
    ("/api/v2/tokens/", "expiry_notified_for__isnull=true", 400),
    ("/api/v2/tokens/", "order_by=expiry_notified_for", 400),
    ("/api/v2/tokens/", "source_refresh_token__isnull=true", 400),
    ("/api/v2/tokens/", "updated__isnull=false", 400),  # the API name is `modified`
    # Allowed: what the member is shown of the token and its related objects.
    ("/api/v2/tokens/", "status=revoked&revoked_by__username=root", 200),
    ("/api/v2/tokens/", "status=revoked&revoked_by={root}", 200),
    ("/api/v2/tokens/", "status=all&order_by=-revoked_by__username", 200),
    ("/api/v2/tokens/", "user__username=org_member", 200),
    ("/api/v2/tokens/", "user__first_name__startswith=A", 200),
    ("/api/v2/tokens/", "application__name=App", 200),
    ("/api/v2/tokens/", "application__client_id__isnull=false", 200),
    ("/api/v2/tokens/", "rotated_from__token_hint__isnull=true", 200),
    ("/api/v2/tokens/", "modified__isnull=false&order_by=-modified", 200),
    ("/api/v2/tokens/", "search=deploy", 200),
    # Nested token lists share the rule.
    ("/api/v2/users/{member}/tokens/", "status=revoked&revoked_by__first_name__startswith=Z", 400),
    ("/api/v2/users/{member}/tokens/", "status=revoked&revoked_by__username=root", 200),
    ("/api/v2/users/{member}/personal_tokens/", "status=all&revoked_by__is_superuser=true", 400),
    ("/api/v2/users/{member}/personal_tokens/", "user__username=org_member", 200),
    ("/api/v2/users/{member}/authorized_tokens/", "user__email__startswith=m", 400),
    ("/api/v2/users/{member}/authorized_tokens/", "application__name=App", 200),
    ("/api/v2/applications/{app}/tokens/", "user__last_name__isnull=false", 200),
    ("/api/v2/applications/{app}/tokens/", "user__date_joined__lt=2000-01-01T00:00:00Z", 400),
    # The activity stream: the actor is shown by id and username only.
    ("/api/v2/activity_stream/", "actor__is_superuser=true", 400),
    ("/api/v2/activity_stream/", "actor__email__startswith=r", 400),
    ("/api/v2/activity_stream/", "actor__first_name__startswith=Z", 400),
    ("/api/v2/activity_stream/", "actor__password__startswith=md5", 403),
    ("/api/v2/activity_stream/", "order_by=actor__email", 400),
    ("/api/v2/activity_stream/", "subject_user={member}", 400),
    ("/api/v2/activity_stream/", "subject_user__username=org_member", 400),
    ("/api/v2/activity_stream/", "organization__name=Default", 400),
    ("/api/v2/activity_stream/", "actor_username=root", 400),
    ("/api/v2/activity_stream/", "actor__username=root", 200),
    ("/api/v2/activity_stream/", "actor={root}", 200),
    ("/api/v2/activity_stream/", "order_by=-actor__username", 200),
    ("/api/v2/activity_stream/", "object1=o_auth2_access_token&operation=delete", 200),
    ("/api/v2/activity_stream/", "search=root", 200),
    ("/api/v2/tokens/{revoked}/activity_stream/", "actor__is_superuser=true", 400),
    ("/api/v2/tokens/{revoked}/activity_stream/", "actor__username=root", 200),
    ("/api/v2/applications/{app}/activity_stream/", "actor__last_login__isnull=true", 400),
    # Users: their own readable fields, nothing through their memberships or permissions.
    ("/api/v2/users/", "password__startswith=md5", 403),
    ("/api/v2/users/", "is_staff=true", 400),
    ("/api/v2/users/", "date_joined__lt=2000-01-01T00:00:00Z", 400),  # the API name is `created`
    ("/api/v2/users/", "memberships__role=admin", 400),
    ("/api/v2/users/", "groups__name=x", 400),
    ("/api/v2/users/", "user_permissions__codename=x", 400),
    ("/api/v2/users/", "email__startswith=ada", 200),
    ("/api/v2/users/", "created__lt=2100-01-01T00:00:00Z&order_by=-created", 200),
    ("/api/v2/organizations/{org}/users/", "memberships__role=admin", 400),
    ("/api/v2/organizations/{org}/admins/", "order_by=password", 403),
    ("/api/v2/organizations/{org}/auditors/", "first_name=Ada", 200),
    # Organizations and applications.
    ("/api/v2/organizations/", "memberships__user__username=org_admin", 400),
    ("/api/v2/organizations/", "name=Default&order_by=-name", 200),
    ("/api/v2/users/{member}/organizations/", "memberships__role=admin", 400),
    ("/api/v2/users/{member}/admin_of_organizations/", "description=", 200),
    ("/api/v2/applications/", "organization__name=Default", 200),
    ("/api/v2/applications/", "order_by=organization__name", 200),
    ("/api/v2/applications/", "organization__memberships__role=admin", 400),
    ("/api/v2/applications/", "organization__created__lt=2100-01-01T00:00:00Z", 400),
    ("/api/v2/applications/", "user__username=root", 400),
    ("/api/v2/applications/", "client_secret__startswith=a", 403),
    ("/api/v2/applications/", "hash_client_secret=true", 400),
    ("/api/v2/applications/", "algorithm=", 400),
    ("/api/v2/organizations/{org}/applications/", "organization__description=", 200),
    ("/api/v2/users/{member}/applications/", "organization__is_active=true", 400),
]


LOOKUP_SUFFIXES = ("__startswith", "__endswith", "__isnull", "__lt", "__contains")


def refused_path(query: str) -> str:
    """The field a refused query names: its last parameter, without the lookup or the descending sign."""
    key, _, value = query.split("&")[-1].partition("=")
    path = value.lstrip("-") if key == "order_by" else key
    for suffix in LOOKUP_SUFFIXES:
        path = path.removesuffix(suffix)
    return path


@pytest.mark.parametrize(("url", "query", "expected"), TABLE, ids=[f"{url} ?{query}" for url, query, _ in TABLE])
def test_filter_table(world, client_for, url, query, expected):
    response = client_for(world["member"]).get(f"{_url(url, world)}?{_url(query, world)}")

    assert response.status_code == expected, response.content
    if expected == 400:
        assert refused_path(query) in response.json()["detail"]
    if expected == 403:
        assert "not allowed" in response.json()["detail"]


def test_a_refused_oracle_answers_the_same_for_a_right_and_a_wrong_guess(world, client_for):
    client = client_for(world["member"])
    right = client.get("/api/v2/tokens/?status=revoked&revoked_by__first_name__startswith=Z")
    wrong = client.get("/api/v2/tokens/?status=revoked&revoked_by__first_name__startswith=Q")
    assert (right.status_code, right.json()) == (wrong.status_code, wrong.json())
    assert right.status_code == 400
    assert "revoked_by__first_name" in right.json()["detail"]
    actor_right = client.get("/api/v2/activity_stream/?actor__is_superuser=true")
    actor_wrong = client.get("/api/v2/activity_stream/?actor__is_superuser=false")
    assert (actor_right.status_code, actor_right.json()) == (actor_wrong.status_code, actor_wrong.json())


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_allowed_relations_still_filter(world, client_for):
    client = client_for(world["member"])
    revoked = world["revoked"]

    assert _ids(client.get("/api/v2/tokens/?status=revoked&revoked_by__username=root")) == {revoked.pk}
    assert _ids(client.get("/api/v2/tokens/?status=revoked&revoked_by__username=nobody")) == set()
    assert _ids(client.get(f"/api/v2/tokens/?status=all&revoked_by={world['root'].pk}")) == {revoked.pk}
    laptop = set(AccessToken.objects.filter(description="laptop").values_list("pk", flat=True))
    assert _ids(client.get("/api/v2/tokens/?application__name=App")) == laptop
    assert _ids(client.get("/api/v2/tokens/?application__name=Other")) == set()
    assert len(_ids(client.get("/api/v2/tokens/?user__username=org_member"))) == 3  # two, and the client's
    assert _ids(client.get("/api/v2/tokens/?user__username=org_admin")) == set()

    apps = _ids(client.get("/api/v2/applications/?organization__name=Default"))
    assert apps == {world["app"].pk}
    assert _ids(client.get("/api/v2/applications/?organization__name=Nope")) == set()

    by_root = client.get("/api/v2/activity_stream/?actor__username=root").json()["results"]
    assert by_root and all(row["summary_fields"]["actor"]["username"] == "root" for row in by_root)
    assert _ids(client.get(f"/api/v2/activity_stream/?actor={world['root'].pk}")) == {row["id"] for row in by_root}
    searched = _ids(client.get("/api/v2/activity_stream/?search=root"))
    assert {row["id"] for row in by_root} <= searched


def test_ordering_through_an_allowed_relation(world, client_for):
    other = factories.user("aaron", member_of=[world["org"]])
    factories.personal_token(other, description="aaron's")
    rows = client_for(world["root"]).get("/api/v2/tokens/?order_by=user__username&page_size=200").json()["results"]
    names = [row["summary_fields"]["user"]["username"] for row in rows]
    assert names == sorted(names) and names[0] == "aaron"


def test_options_reports_the_same_allow_list(world, client_for):
    actions = client_for(world["root"]).options("/api/v2/tokens/").json()["actions"]["GET"]
    assert actions["description"]["filterable"] is True
    assert actions["modified"]["filterable"] is True
    assert actions["token"]["filterable"] is False
    assert "expiry_notified_for" not in actions


# The walk: every list, every relation of its model, every field behind it -------------------


# /me/ answers from the authenticated requester and reads no query parameter at all.
LIST_ROUTES = [
    (route, view) for route, view in ROUTES if view is not None and issubclass(view, ListModelMixin) and view is not Me
]


def declared(view_class):
    """What the serializer declares, read independently of the filter backend: (own fields, relations)."""
    serializer_class = view_class.serializer_class
    model = view_class.access_model
    columns = {field.name for field in model._meta.concrete_fields}
    own = {}
    for name, field in serializer_class().fields.items():
        if not field.write_only and field.source in columns and name not in SECRET_FIELDS:
            own[name] = field.source
    relations = serializer_class.filter_relations
    if relations is None:
        relations = serializer_class.summary
    return own, {name: set(attrs) for name, attrs in relations.items()}


def _check(client, url, path, allowed, failures):
    """`path` as a filter and as an ordering on the list at `url` (which may carry a query)."""
    joiner = "&" if "?" in url else "?"
    secret = any(part in SECRET_FIELDS for part in path.split("__"))
    expected = 200 if allowed else (403 if secret else 400)
    # Descending order resolves the same path once its sign is off (the table tries it).
    for query in (f"{path}__isnull=false", f"order_by={path}"):
        response = client.get(f"{url}{joiner}{query}")
        if response.status_code != expected:
            failures.append(f"{url}{joiner}{query}: {response.status_code}, expected {expected}")
        elif expected == 400 and path not in response.json()["detail"]:
            failures.append(f"{url}{joiner}{query}: the 400 does not name {path}: {response.json()['detail']}")


def test_the_walk_finds_every_list():
    assert len(LIST_ROUTES) >= 18
    assert {"api/v2/tokens/", "api/v2/activity_stream/", "api/v2/users/<str:pk>/applications/"} <= {
        route for route, _ in LIST_ROUTES
    }


def walk_paths(view_class) -> list[tuple[str, bool]]:
    """(path, allowed) for every field of the list's model and every field behind each of its relations."""
    own, relations = declared(view_class)
    paths = []
    for field in view_class.access_model._meta.get_fields():
        name = field.name
        # A field under its model name is allowed where that is its API name, or a related object's
        # id where the relation is declared with its id (`?actor=5`).
        paths.append((name, own.get(name) == name or "id" in relations.get(name, ())))
        if field.is_relation:
            for target in field.related_model._meta.get_fields():
                paths.append((f"{name}__{target.name}", target.name in relations.get(name, ())))
    # The API names of aliased fields (a user's `created`, a token's `modified`) work.
    paths.extend((api_name, True) for api_name, source in own.items() if api_name != source)
    return paths


def _kind(view_class):
    return view_class.serializer_class, view_class.access_model


# The first list of each kind (serializer and model) is walked through every path; the lists
# nested elsewhere that show the same kind are walked through every allowed path and, for each
# relation, one path it must refuse, after checking that nothing of theirs changes the filtering.
WALKED_KINDS = {}
for _route, _view in LIST_ROUTES:
    WALKED_KINDS.setdefault(_kind(_view), _route)


@pytest.mark.parametrize(("route", "view_class"), LIST_ROUTES, ids=[route for route, _ in LIST_ROUTES])
def test_no_relation_is_traversable_beyond_its_declaration(route, view_class, world, client_for):
    """Filters and ordering against the serializer's declaration, over HTTP."""
    client = client_for(world["root"], auth="session")
    url = fill(route, view_class, existing=True)
    if "status" in getattr(view_class, "extra_query_params", ()):
        url += "?status=all"  # tombstones too, so that revoked_by has rows behind it
    paths = walk_paths(view_class)
    if WALKED_KINDS[_kind(view_class)] != route:
        assert "filter_queryset" not in vars(view_class) and "filter_backends" not in vars(view_class)
        first_refused = {}
        for path, allowed in paths:
            if "__" in path and not allowed:
                first_refused.setdefault(path.partition("__")[0], path)
        paths = [(path, allowed) for path, allowed in paths if allowed or path in first_refused.values()]
    failures = []
    for path, allowed in paths:
        _check(client, url, path, allowed, failures)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("route", "view_class"), LIST_ROUTES, ids=[route for route, _ in LIST_ROUTES])
def test_search_fields_are_within_the_allow_list(route, view_class, world, client_for):
    own, relations = declared(view_class)
    for name in view_class.search_fields:
        first, _, rest = name.partition("__")
        if rest:
            assert rest in relations.get(first, ()), f"{view_class.__name__} searches {name}"
        else:
            assert first in own, f"{view_class.__name__} searches {name}"
    url = fill(route, view_class, existing=True)
    assert client_for(world["root"]).get(f"{url}?search=x").status_code == 200
