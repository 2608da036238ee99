"""The shape of runtime settings over the API: strict JSON types, bounded lifetimes, unknown keys refused."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tokensvc.limits import MAX_LIFETIME_SECONDS

from .. import runtime
from ..services import check_consistent

# Far enough for any real lifetime, near enough that both `now + lifetime` and `now - lifetime`
# stay valid dates (tokensvc/limits.py).
MAX_SECONDS = MAX_LIFETIME_SECONDS
LIFETIME_KEYS = ("ACCESS_TOKEN_EXPIRE_SECONDS", "REFRESH_TOKEN_EXPIRE_SECONDS", "AUTHORIZATION_CODE_EXPIRE_SECONDS")


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


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_SECONDS})
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


@extend_schema_field({"type": "boolean"})
class StrictBooleanField(serializers.Field):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise serializers.ValidationError("Must be true or false.")
        return data

    def to_representation(self, value):
        return bool(value)


@extend_schema_field(
    {
        "type": "object",
        "properties": {key: {"type": "integer", "minimum": 1, "maximum": MAX_SECONDS} for key in LIFETIME_KEYS},
        "additionalProperties": False,
    }
)
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


def authentication_settings() -> dict:
    values = runtime.current()
    return {
        "OAUTH2_PROVIDER": {key: values[key] for key in LIFETIME_KEYS},
        "ALLOW_OAUTH2_FOR_EXTERNAL_USERS": values["ALLOW_OAUTH2_FOR_EXTERNAL_USERS"],
        "PAT_MAX_LIFETIME_SECONDS": values["PAT_MAX_LIFETIME_SECONDS"],
        "PAT_DEFAULT_LIFETIME_SECONDS": values["PAT_DEFAULT_LIFETIME_SECONDS"],
        "TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH": values["TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH"],
    }
