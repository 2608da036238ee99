"""Runtime settings over the API: /api/v2/settings/ and its `authentication` category.

Values live in the database (config/runtime.py, ConfigValue) over the settings-module
defaults; a change takes effect on the next request in every process, because readers
query the store instead of caching it.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..models import ConfigValue
from .serializers import AuthenticationSettingsSerializer, authentication_settings

CATEGORIES = {"authentication": "settings_authentication"}


class SettingsRoot(APIView):
    """The categories of runtime settings."""

    access_model = ConfigValue
    view_name = "Settings"

    @extend_schema(
        responses=inline_serializer("SettingsCategories", {name: serializers.CharField() for name in CATEGORIES})
    )
    def get(self, request):
        return Response({name: reverse(url_name) for name, url_name in CATEGORIES.items()})


class AuthenticationSettings(APIView):
    """Token lifetimes, external users and token-creation rules, changeable without a restart."""

    access_model = ConfigValue
    view_name = "Authentication Settings"

    @extend_schema(responses=AuthenticationSettingsSerializer)
    def get(self, request):
        return Response(authentication_settings())

    @extend_schema(request=AuthenticationSettingsSerializer, responses=AuthenticationSettingsSerializer)
    def put(self, request):
        return self._update(request, partial=False)

    @extend_schema(request=AuthenticationSettingsSerializer, responses=AuthenticationSettingsSerializer)
    def patch(self, request):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        serializer = AuthenticationSettingsSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.settings_update(actor=request.user, category="authentication", values=serializer.validated_data)
        return Response(authentication_settings())
