"""The API roots and ping: where clients discover the versions and resources.

They are bound to no model: each is marked `access_public`, open to anyone for reading.
So are the Tower resources tokensvc does not keep (below), which answer as empty lists.
"""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

import tokensvc

from . import outage

logger = logging.getLogger(__name__)

# Resources listed at /api/v2/, by URL name; apps add theirs as they arrive.
V2_RESOURCES = {
    "ping": "ping",
    "me": "me",
    "users": "user_list",
    "organizations": "organization_list",
    "settings": "settings_root",
    "tokens": "token_list",
    "applications": "application_list",
    "activity_stream": "activity_stream_list",
    # Anyone reports leaked token values here (POST): tokens/leak_views.py.
    "credentials_revoke": "credentials_revoke",
}


# Tower clients that sign in with a session read the CSRF cookie from here before posting to /api/login/.
@method_decorator(ensure_csrf_cookie, name="dispatch")
class ApiRoot(APIView):
    """The versions of the API."""

    access_public = True
    view_name = "REST API"

    @extend_schema(
        responses=inline_serializer(
            "ApiRoot",
            {
                "description": serializers.CharField(),
                "current_version": serializers.CharField(),
                "available_versions": serializers.DictField(child=serializers.CharField()),
                "oauth2": serializers.CharField(),
            },
        )
    )
    def get(self, request):
        return Response(
            {
                "description": "tokensvc REST API",
                "current_version": "/api/v2/",
                "available_versions": {"v2": "/api/v2/"},
                "oauth2": "/api/o/",
            }
        )


class ApiV2Root(APIView):
    """The resources of version 2."""

    access_public = True
    view_name = "Version 2"

    @extend_schema(responses={200: {"type": "object", "additionalProperties": {"type": "string"}}})
    def get(self, request):
        return Response({name: reverse(url_name) for name, url_name in V2_RESOURCES.items()})


PING = inline_serializer(
    "Ping",
    {"version": serializers.CharField(), "database": serializers.ChoiceField(choices=["ok", "unavailable"])},
)


class Ping(APIView):
    """Liveness and readiness: the version, and whether the database answers (503 with Retry-After when not).

    One `SELECT 1` on the thread's kept connection when all is well.
    """

    access_public = True

    @extend_schema(responses={200: PING, 503: PING})
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as error:
            logger.warning("ping: the database does not answer (%s)", type(error).__name__)
            # JSON whatever the client accepts: a probe reads it, and the browsable API would need the database.
            response = JsonResponse({"version": tokensvc.__version__, "database": "unavailable"}, status=503)
            response["Retry-After"] = str(outage.RETRY_AFTER_SECONDS)
            response["Cache-Control"] = "no-store"
            return response
        return Response({"version": tokensvc.__version__, "database": "ok"})


# Tower resources that can carry roles, which tokensvc does not keep. Tower clients read their
# OPTIONS before working with users (the awx CLI lists the roles a user could be granted on
# each, and stops if any of them is missing), so they answer as lists that are always empty.
# They are not listed at /api/v2/: nothing can be done with them.
TOWER_RESOURCES_NOT_KEPT = (
    "projects",
    "inventories",
    "teams",
    "credentials",
    "job_templates",
    "workflow_job_templates",
    "instance_groups",
)


class ResourceNotKept(APIView):
    """A Tower resource that tokensvc does not keep: always an empty list, with no roles to grant."""

    access_public = True

    @extend_schema(
        responses=inline_serializer(
            "EmptyList",
            {
                "count": serializers.IntegerField(min_value=0, max_value=0),
                "next": serializers.CharField(allow_null=True),
                "previous": serializers.CharField(allow_null=True),
                "results": serializers.ListField(child=serializers.DictField(), max_length=0),
            },
        )
    )
    def get(self, request):
        return Response({"count": 0, "next": None, "previous": None, "results": []})
