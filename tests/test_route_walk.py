"""Every route, discovered from the URL resolver: one permission class, every API view public or bound to a
policy, and a read token writes nothing."""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from tests import factories
from tokensvc.access import registered
from tokensvc.api.permissions import NO_ACCESS_MODEL_MESSAGE, AccessPermission
from tokensvc.api.viewsets import AssociationView
from users.models import User

PREFIX = "api/v2/"
WRITE_METHODS = ("post", "put", "patch", "delete")
# Apps whose rows a refused write must leave exactly as they were.
CHECKED_APPS = ("users", "applications", "tokens", "tokensvc")
# Bookkeeping that reading (or authenticating) may legitimately touch.
VOLATILE_FIELDS = frozenset({"last_used", "last_used_ip", "last_login"})
MISSING_ID = 987654321
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def walk_patterns(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk_patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route.lstrip("^"), pattern.callback


def all_routes():
    """(route, view class or function) for every URL pattern, as the resolver knows them."""
    found = {}
    for route, callback in walk_patterns(get_resolver().url_patterns):
        found[route] = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    return sorted(found.items())


def api_routes():
    """(route, view class) for every /api/v2/ URL pattern."""
    return [(route, view) for route, view in all_routes() if route.startswith(PREFIX)]


ROUTES = api_routes()
DRF_ROUTES = [(route, view) for route, view in all_routes() if isinstance(view, type) and issubclass(view, APIView)]
# Views outside DRF, which answer for themselves: the OAuth2 endpoints (the toolkit's views over
# our validator) and the browsable API's login and logout pages.
NON_DRF_PREFIXES = ("api/o/", ".well-known/", "api/login/", "api/logout/")
# The only views bound to no model: where clients discover the API and check that it lives.
PUBLIC_ROUTES = {"api/", "api/v2/", "api/v2/ping/"}


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
    others = [route for route, view in all_routes() if (route, view) not in DRF_ROUTES]
    assert others
    assert [route for route in others if not route.startswith(NON_DRF_PREFIXES)] == []


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


# Writing with a read token ----------------------------------------------------


@pytest.fixture
def world(db, superuser, org):
    """At least one row of each kind a route may name, made without knowing the routes."""
    member = factories.user("walker", member_of=[org])
    app = factories.application(org)
    factories.personal_token(member)
    factories.application_token(member, app)
    return {"superuser": superuser, "org": org, "member": member, "application": app}


def _model_for(view_class, param):
    if param == getattr(view_class, "parent_kwarg", "pk") and getattr(view_class, "parent_model", None):
        return view_class.parent_model
    return getattr(view_class, "access_model", None)


def _existing_value(view_class, param, converter):
    model = _model_for(view_class, param)
    if model is None:
        return None
    obj = model._default_manager.order_by("pk").first()
    if obj is None:
        return None
    if model is User and converter != "int":
        return obj.username
    return str(obj.pk)


def fill(route, view_class, existing: bool):
    """The route with every parameter filled, or None when the existing variant has no row to name."""
    url = route
    for match in PARAM.finditer(route):
        converter, name = match.group("converter") or "str", match.group("name")
        value = _existing_value(view_class, name, converter) if existing else str(MISSING_ID)
        if value is None:
            return None
        url = url.replace(match.group(0), value, 1)
    return "/" + url


def _sample(field, world):
    """A plausible value for a writable serializer field, so that a missing check would show as a write."""
    if isinstance(field, serializers.BooleanField):
        return True
    if isinstance(field, serializers.ChoiceField):
        return next(iter(field.choices))
    if isinstance(field, serializers.EmailField):
        return "walk@example.com"
    if isinstance(field, serializers.URLField):
        return "https://walk.example.com/"
    if isinstance(field, serializers.DateTimeField):
        return (timezone.now() + timedelta(days=3)).isoformat()
    if isinstance(field, (serializers.IntegerField, serializers.PrimaryKeyRelatedField)):
        queryset = getattr(field, "queryset", None)
        if queryset is not None:
            first = queryset.model._default_manager.order_by("pk").first()
            return first.pk if first else MISSING_ID
        return 1
    if isinstance(field, serializers.CharField):
        return "walk-" + field.field_name
    return None


def body_for(view_class, world):
    if issubclass(view_class, AssociationView):
        return {"id": world["member"].pk}
    serializer_class = getattr(view_class, "serializer_class", None)
    if serializer_class is None:
        return {"name": "walk", "description": "walk"}
    body = {}
    for name, field in serializer_class().fields.items():
        if field.read_only:
            continue
        value = _sample(field, world)
        if value is not None:
            body[name] = value
    return body


def snapshot():
    state = {}
    for label in CHECKED_APPS:
        for model in apps.get_app_config(label).get_models():
            rows = model._base_manager.order_by("pk").values()
            state[model._meta.label] = [
                {key: value for key, value in row.items() if key not in VOLATILE_FIELDS} for row in rows
            ]
    return state


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
            assert response.status_code in allowed, f"{method.upper()} {url}: {response.status_code} {response.content}"

    assert snapshot() == before


@pytest.mark.parametrize(("route", "view_class"), ROUTES, ids=[route for route, _ in ROUTES])
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
