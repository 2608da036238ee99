"""The routes of the URL resolver, filled with ids, and plausible write bodies: for walks over every route."""

import re
from datetime import timedelta

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework import serializers

from tests import factories
from tokensvc.api.viewsets import AssociationView
from users.models import User

PREFIX = "api/v2/"
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


def route_world(superuser, org) -> dict:
    """At least one row of each kind a route may name, made without knowing the routes."""
    member = factories.user("walker", member_of=[org])
    app = factories.application(org)
    factories.personal_token(member)
    factories.application_token(member, app)
    return {"superuser": superuser, "org": org, "member": member, "application": app}
