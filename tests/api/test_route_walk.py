"""Every route, discovered from the URL resolver: one permission class, every API view public or bound to a
policy, and a read token writes nothing."""

import pytest
from django.test import Client
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from tests.support.routes import MISSING_ID, ROUTES, all_routes, body_for, fill, route_world, snapshot
from tokensvc.access import registered
from tokensvc.api.permissions import NO_ACCESS_MODEL_MESSAGE, AccessPermission, anonymous_write_methods
from users.models import User

WRITE_METHODS = ("post", "put", "patch", "delete")


DRF_ROUTES = [(route, view) for route, view in all_routes() if isinstance(view, type) and issubclass(view, APIView)]
# Views outside DRF, which answer for themselves: the OAuth2 endpoints (the toolkit's views over
# our validator) and the browsable API's login and logout pages.
NON_DRF_PREFIXES = ("api/o/", ".well-known/", "api/login/", "api/logout/")
# The web pages for people answer for themselves too (tests/web/ walks them).
WEB_PAGES_MODULE = "web."
# The only views bound to no model: where clients discover the API and check that it lives, its
# OpenAPI schema and docs pages, and the Tower resources tokensvc does not keep, which Tower
# clients probe and which are always empty.
PUBLIC_ROUTES = {
    "api/",
    "api/v2/",
    "api/v2/ping/",
    "api/v2/schema/",
    "api/v2/docs/",
    "api/v2/redoc/",
    "api/v2/projects/",
    "api/v2/inventories/",
    "api/v2/teams/",
    "api/v2/credentials/",
    "api/v2/job_templates/",
    "api/v2/workflow_job_templates/",
    "api/v2/instance_groups/",
    # Reporting leaked tokens: anyone may, signed in or not.
    "api/v2/credentials/revoke/",
}
# The only unsafe methods any view answers to anonymous callers (`access_public_methods`):
# reporting leaked token values, which credentials play no part in.
ANONYMOUS_WRITES = {"api/v2/credentials/revoke/": frozenset({"POST"})}


def test_the_walk_finds_the_known_routes():
    routes = {route for route, _ in ROUTES}
    assert {
        "api/v2/",
        "api/v2/ping/",
        "api/v2/me/",
        "api/v2/users/",
        "api/v2/users/<user_ref:pk>/",
        "api/v2/organizations/<int:pk>/admins/",
    } <= routes


@pytest.mark.parametrize(("route", "view_class"), ROUTES, ids=[route for route, _ in ROUTES])
def test_every_view_uses_the_one_permission_class(route, view_class):
    assert view_class is not None and issubclass(view_class, APIView), f"{route} is not an API view"
    assert list(api_settings.DEFAULT_PERMISSION_CLASSES) == [AccessPermission]
    for cls in view_class.__mro__:
        if cls is APIView:
            break
        assert "permission_classes" not in vars(cls), f"{cls.__name__} sets its own permission_classes"
        assert "get_permissions" not in vars(cls), f"{cls.__name__} overrides get_permissions()"
        assert "check_permissions" not in vars(cls), f"{cls.__name__} overrides check_permissions()"
    assert view_class.permission_classes == [AccessPermission]


def test_every_route_outside_drf_is_a_known_one():
    others = [(route, view) for route, view in all_routes() if (route, view) not in DRF_ROUTES]
    assert others
    web_pages = [route for route, view in others if view.__module__.startswith(WEB_PAGES_MODULE)]
    assert web_pages
    unknown = [route for route, view in others if not route.startswith(NON_DRF_PREFIXES) and route not in web_pages]
    assert unknown == []


@pytest.mark.parametrize(("route", "view_class"), DRF_ROUTES, ids=[route for route, _ in DRF_ROUTES])
def test_every_api_view_is_public_or_bound_to_a_policy(route, view_class):
    public = getattr(view_class, "access_public", False)
    model = getattr(view_class, "access_model", None)
    assert public is True or public is False, f"{route}: access_public must be a bool"
    if public:
        assert model is None, f"{route} is public and bound to {model.__name__}: one or the other"
        assert route in PUBLIC_ROUTES, f"{route} is public; only {sorted(PUBLIC_ROUTES)} should be"
        return
    assert model is not None, f"{route} declares no access_model and is not marked access_public"
    assert model in registered(), f"{route}: {model.__name__} has no registered access policy"
    parent = getattr(view_class, "parent_model", None)
    assert parent is None or parent in registered(), f"{route}: {parent.__name__} has no registered access policy"


@pytest.mark.parametrize(("route", "view_class"), DRF_ROUTES, ids=[route for route, _ in DRF_ROUTES])
def test_only_the_declared_views_take_writes_from_anyone(route, view_class):
    assert anonymous_write_methods(view_class) == ANONYMOUS_WRITES.get(route, frozenset())
    if route in ANONYMOUS_WRITES:
        # Credentials play no part in such a write: none are read, so none can be refused (401)
        # or lend a session's authority to a cross-site request.
        assert view_class.authentication_classes == [], f"{route} takes anonymous writes but authenticates"


@pytest.mark.parametrize(("route", "view_class"), ROUTES, ids=[route for route, _ in ROUTES])
def test_anonymous_callers_write_nowhere_else(route, view_class, world):
    anonymous = APIClient()
    body = body_for(view_class, world)
    url = fill(route, view_class, existing=True) or fill(route, view_class, existing=False)
    before = snapshot()

    for method in WRITE_METHODS:
        response = getattr(anonymous, method)(url, body, format="json")
        if method.upper() in ANONYMOUS_WRITES.get(route, ()):
            # Answered like anyone's (here the body names no token), never a 401.
            assert response.status_code in {202, 400}, f"{method.upper()} {url}: {response.status_code}"
        elif route in ANONYMOUS_WRITES:
            # A view that reads no credentials answers a method it does not take with 405.
            assert response.status_code == 405, f"{method.upper()} {url}: {response.status_code}"
            assert not hasattr(view_class, method)
        else:
            assert response.status_code == 401, f"{method.upper()} {url}: {response.status_code} {response.content}"

    assert snapshot() == before


class _Unbound(APIView):
    """A view someone forgot to bind to a model."""

    def get(self, request):
        return Response({"secret": "everyone could read this"})

    def post(self, request):
        return Response({"secret": "everyone could write this"})


class _Public(_Unbound):
    access_public = True


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_view_bound_to_no_model_is_refused_to_everyone(method, superuser, plain_user):
    for user in (superuser, plain_user):
        request = getattr(APIRequestFactory(), method)("/unbound/", {}, format="json")
        force_authenticate(request, user=user)
        response = _Unbound.as_view()(request)
        assert response.status_code == 403, response.data
        assert response.data["detail"] == NO_ACCESS_MODEL_MESSAGE
    anonymous = _Unbound.as_view()(getattr(APIRequestFactory(), method)("/unbound/"))
    assert anonymous.status_code == 401


def test_a_public_view_answers_anyone_for_reading_and_only_signed_in_users_for_writing(plain_user):
    factory = APIRequestFactory()
    assert _Public.as_view()(factory.get("/public/")).status_code == 200
    assert _Public.as_view()(factory.post("/public/", {}, format="json")).status_code == 401
    request = factory.post("/public/", {}, format="json")
    force_authenticate(request, user=plain_user)
    assert _Public.as_view()(request).status_code == 200


class _PublicWrite(_Public):
    access_public_methods = ("post",)

    def put(self, request):
        return Response({"secret": "everyone could replace this"})


class _NotPublicWrite(_Unbound):
    access_public_methods = ("POST",)


class _BoundWrite(_Unbound):
    access_public = True
    access_model = User
    access_public_methods = ("POST",)


def test_a_public_view_takes_from_anyone_only_the_writes_it_names():
    factory = APIRequestFactory()
    assert _PublicWrite.as_view()(factory.post("/public/", {}, format="json")).status_code == 200
    assert _PublicWrite.as_view()(factory.put("/public/", {}, format="json")).status_code == 401
    assert _PublicWrite.as_view()(factory.delete("/public/")).status_code == 405


def test_naming_writes_opens_nothing_on_a_view_that_is_not_public_or_is_bound_to_a_model(db):
    factory = APIRequestFactory()
    for view in (_NotPublicWrite, _BoundWrite):
        assert anonymous_write_methods(view) == frozenset()
        assert view.as_view()(factory.post("/named/", {}, format="json")).status_code == 401


# Writing with a read token ----------------------------------------------------


@pytest.fixture
def world(db, superuser, org):
    return route_world(superuser, org)


@pytest.mark.parametrize(("route", "view_class"), ROUTES, ids=[route for route, _ in ROUTES])
def test_a_read_token_cannot_write_anywhere(route, view_class, world, client_for):
    reader = client_for(world["superuser"], scope="read")
    body = body_for(view_class, world)
    variants = [(True, fill(route, view_class, existing=True)), (False, fill(route, view_class, existing=False))]
    variants = [(existing, url) for existing, url in variants if url is not None]
    if "<" not in route:
        variants = variants[:1]
    assert variants
    before = snapshot()

    for existing, url in variants:
        for method in WRITE_METHODS:
            response = getattr(reader, method)(url, body, format="json")
            allowed = {403, 405} if existing else {403, 404, 405}
            if method.upper() in ANONYMOUS_WRITES.get(route, ()):
                # A write anyone may make: the read token is not even read (the body names no token).
                allowed = {202, 400}
            assert response.status_code in allowed, f"{method.upper()} {url}: {response.status_code} {response.content}"

    assert snapshot() == before


# Documents rather than resources: the schema answers in OpenAPI's JSON and YAML types only
# (tests/api/test_openapi.py), the docs pages are HTML pages of their own.
NOT_BROWSABLE = {"api/v2/schema/"}
BROWSABLE = [(route, view) for route, view in ROUTES if route not in NOT_BROWSABLE]


@pytest.mark.parametrize(("route", "view_class"), BROWSABLE, ids=[route for route, _ in BROWSABLE])
def test_every_route_reads_and_renders_in_the_browsable_api(route, view_class, world, client_for):
    url = fill(route, view_class, existing=True) or fill(route, view_class, existing=False)
    reader = client_for(world["superuser"], scope="read")

    read = reader.get(url)
    assert read.status_code in {200, 404}, f"GET {url}: {read.status_code} {read.content}"
    assert read.status_code == 200 or MISSING_ID in [int(part) for part in url.split("/") if part.isdigit()]

    browser = Client()
    browser.force_login(world["superuser"])
    page = browser.get(url, HTTP_ACCEPT="text/html")
    assert page.status_code == read.status_code
    assert page["Content-Type"].startswith("text/html")
