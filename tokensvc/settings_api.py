"""Runtime settings over the API: /api/v2/settings/ and its `authentication` category.

Values live in the database (tokensvc/runtime.py, ConfigValue) over the settings-module
defaults; a change takes effect on the next request in every process, because readers
query the store instead of caching it.
"""

import logging

from django.urls import reverse
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import activity, runtime
from .access import BaseAccess, Decision, register
from .limits import MAX_LIFETIME_SECONDS
from .models import ConfigValue

logger = logging.getLogger(__name__)

# Far enough for any real lifetime, near enough that both `now + lifetime` and `now - lifetime`
# stay valid dates (tokensvc/limits.py).
MAX_SECONDS = MAX_LIFETIME_SECONDS
LIFETIME_KEYS = ("ACCESS_TOKEN_EXPIRE_SECONDS", "REFRESH_TOKEN_EXPIRE_SECONDS", "AUTHORIZATION_CODE_EXPIRE_SECONDS")
CATEGORIES = {"authentication": "settings_authentication"}


@register
class SettingAccess(BaseAccess):
    """Runtime settings.

    - A system administrator reads and changes every setting.
    - A system auditor reads every setting and changes none.
    - Nobody else reads or changes settings; nobody creates or deletes them through the API.
    """

    model = ConfigValue

    def visible(self):
        if self.sees_everything:
            return ConfigValue.objects.all()
        return ConfigValue.objects.none()

    def can_view(self, obj=None, data=None):
        return Decision.when(self.sees_everything, "Only a system administrator or system auditor can read settings.")

    def can_change(self, obj=None, data=None):
        return Decision.when(self.is_superuser, "Only a system administrator can change settings.")


def _seconds(value, *, nullable: bool = False):
    """An integer number of seconds in [1, MAX_SECONDS]; JSON numbers only (no strings, no booleans)."""
    if value is None:
        if nullable:
            return None
        raise serializers.ValidationError("This field may not be null.")
    if isinstance(value, bool) or not isinstance(value, int):
        raise serializers.ValidationError("Must be an integer number of seconds.")
    if value < 1 or value > MAX_SECONDS:
        raise serializers.ValidationError(f"Must be between 1 and {MAX_SECONDS} seconds.")
    return value


class SecondsField(serializers.Field):
    def __init__(self, *, nullable=False, **kwargs):
        self.nullable = nullable
        super().__init__(allow_null=nullable, **kwargs)

    def validate_empty_values(self, data):
        if data is None and self.nullable:
            return True, None
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        return _seconds(data, nullable=self.nullable)

    def to_representation(self, value):
        return value


class StrictBooleanField(serializers.Field):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise serializers.ValidationError("Must be true or false.")
        return data

    def to_representation(self, value):
        return bool(value)


class LifetimesField(serializers.Field):
    """{"ACCESS_TOKEN_EXPIRE_SECONDS": int, ...}; a partial dict changes only the keys given."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Must be an object with keys " + ", ".join(LIFETIME_KEYS) + ".")
        unknown = sorted(str(key) for key in data if key not in LIFETIME_KEYS)
        if unknown:
            raise serializers.ValidationError(
                f"Unknown keys: {', '.join(unknown)}. Allowed keys: {', '.join(LIFETIME_KEYS)}."
            )
        errors, values = {}, {}
        for key, value in data.items():
            try:
                values[key] = _seconds(value)
            except serializers.ValidationError as exc:
                errors[key] = exc.detail
        if errors:
            raise serializers.ValidationError(errors)
        return values

    def to_representation(self, value):
        return value


class AuthenticationSettingsSerializer(serializers.Serializer):
    OAUTH2_PROVIDER = LifetimesField(
        help_text="Lifetimes in seconds: ACCESS_TOKEN_EXPIRE_SECONDS, REFRESH_TOKEN_EXPIRE_SECONDS, "
        "AUTHORIZATION_CODE_EXPIRE_SECONDS."
    )
    ALLOW_OAUTH2_FOR_EXTERNAL_USERS = StrictBooleanField(
        help_text="Whether users of an external authentication provider may obtain OAuth2 tokens."
    )
    PAT_MAX_LIFETIME_SECONDS = SecondsField(
        nullable=True, help_text="Longest lifetime a personal access token may be given (null: unlimited)."
    )
    PAT_DEFAULT_LIFETIME_SECONDS = SecondsField(
        nullable=True,
        help_text="Lifetime of a personal access token created without `expires` (null: ACCESS_TOKEN_EXPIRE_SECONDS).",
    )
    TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH = StrictBooleanField(
        help_text="Refuse creating, rotating or renewing tokens with a personal access token or a password-grant token."
    )

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"detail": ["Expected a JSON object of settings."]})
        unknown = sorted(str(key) for key in data if key not in self.fields)
        if unknown:
            raise serializers.ValidationError({key: ["Unknown setting."] for key in unknown})
        return super().to_internal_value(data)

    def validate(self, attrs):
        # Judged early on what is stored now, and again by settings_update under the store's lock.
        check_consistent({**runtime.current(), **{k: v for k, v in attrs.items() if k != "OAUTH2_PROVIDER"}})
        return attrs


def check_consistent(values: dict) -> None:
    """The rules across settings, on every setting as it would be: a PAT's default lifetime is within its maximum."""
    maximum, default = values["PAT_MAX_LIFETIME_SECONDS"], values["PAT_DEFAULT_LIFETIME_SECONDS"]
    if maximum is not None and default is not None and default > maximum:
        raise serializers.ValidationError(
            {"PAT_DEFAULT_LIFETIME_SECONDS": [f"Must not exceed PAT_MAX_LIFETIME_SECONDS ({maximum})."]}
        )


def authentication_settings() -> dict:
    values = runtime.current()
    return {
        "OAUTH2_PROVIDER": {key: values[key] for key in LIFETIME_KEYS},
        "ALLOW_OAUTH2_FOR_EXTERNAL_USERS": values["ALLOW_OAUTH2_FOR_EXTERNAL_USERS"],
        "PAT_MAX_LIFETIME_SECONDS": values["PAT_MAX_LIFETIME_SECONDS"],
        "PAT_DEFAULT_LIFETIME_SECONDS": values["PAT_DEFAULT_LIFETIME_SECONDS"],
        "TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": values["TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH"],
    }


class SettingsCategory:
    """What an activity record about a settings category points at (it has no row of its own)."""

    pk = None

    def __init__(self, name: str):
        self.name = name

    def __str__(self):
        return self.name


def settings_update(*, actor, category: str, values: dict) -> dict:
    """Store validated values of one category; record and log what changed (setting names and values)."""
    flat = {key: value for key, value in values.items() if key != "OAUTH2_PROVIDER"}
    flat.update(values.get("OAUTH2_PROVIDER", {}))
    # The rules across settings are judged again on what is stored once no other writer can change it.
    changes = runtime.update(flat, check=check_consistent)
    if changes:
        activity.record(
            actor=actor, operation="update", object_type="setting", obj=SettingsCategory(category), changes=changes
        )
    logger.info(
        "settings_update category=%s actor=%s changed=%s",
        category,
        actor.get_username() if actor else "-",
        ",".join(sorted(changes)) or "-",
    )
    return changes


class SettingsRoot(APIView):
    """The categories of runtime settings."""

    access_model = ConfigValue
    view_name = "Settings"

    def get(self, request):
        return Response({name: reverse(url_name) for name, url_name in CATEGORIES.items()})


class AuthenticationSettings(APIView):
    """Token lifetimes, external users and token-creation rules, changeable without a restart."""

    access_model = ConfigValue
    view_name = "Authentication Settings"

    def get(self, request):
        return Response(authentication_settings())

    def put(self, request):
        return self._update(request, partial=False)

    def patch(self, request):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        serializer = AuthenticationSettingsSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        settings_update(actor=request.user, category="authentication", values=serializer.validated_data)
        return Response(authentication_settings())
