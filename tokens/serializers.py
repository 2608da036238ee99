"""Tower-shaped serializers for access tokens and personal access tokens.

Token values are shown once: in the response that creates them. Everywhere else `token`
and `refresh_token` read "************" (`refresh_token` is null for a personal access
token, which has none).

After creation only `description`, `scope`, `expires` and `organization` change. `expires` renews or
shortens the token within the lifetime policy (tokens/policy.py); a time in the past or
beyond the maximum is a 400. Without `expires` the service gives a new token the policy's
default lifetime; a new token's scope defaults to the policy's `DEFAULT_SCOPE`.
`application`, `user`, `token`, `refresh_token` and the usage and revocation fields are
read-only: a change request that names them is accepted and they are ignored, as Tower
does, so a client may PUT back what it read. On create, `user` is always the requester.

A rotated token names its predecessor in `rotated_from` (read-only); the predecessor is
revoked, so `related.rotated_from` lists it through `?status=all`. POST
/tokens/{id}/rotate/ takes only `expires` (TokenRotateSerializer).

An `application` the requester cannot see is answered as if it did not exist (400,
`Invalid pk`), so its existence is not disclosed; so is an `organization`, the one the token
is bound to (null: unbound), except the token's current one, which a PUT may send back.
`authorization_id` is the token's stable public name (read-only, never a secret).
"""

from django.db.models import Q
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from oauth2_provider.models import get_application_model
from rest_framework import serializers

from tokensvc.access.scopes import ALLOWED_SCOPES, SCOPE_FORMAT_MESSAGE, is_valid_scope
from tokensvc.api.relations import VisibleRelatedField
from tokensvc.api.serializers import SECRET_PLACEHOLDER, BaseSerializer, reverse_pk, strict_id
from tokensvc.shownonce import reveal
from users.models import Organization, User

from . import policy
from .models import AccessToken, OrganizationTokenPolicy

# Every value ScopeField accepts, for the OpenAPI schema.
SCOPE_CHOICES = (*ALLOWED_SCOPES, " ".join(ALLOWED_SCOPES), " ".join(reversed(ALLOWED_SCOPES)))


@extend_schema_field({"type": "string", "enum": list(SCOPE_CHOICES)})
class ScopeField(serializers.Field):
    """A space-separated set of `read` / `write`; anything else is refused with one message."""

    default_error_messages = {"invalid": SCOPE_FORMAT_MESSAGE}
    # What OPTIONS reports: a string ("read write" is one), not DRF's untyped "field".
    metadata_type = "string"
    # allow_null below only routes null to the "invalid" message; the schema says it is never null.
    refuses_null = True

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)  # null is refused by to_internal_value, with the same message
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None:
            self.fail("invalid")
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not is_valid_scope(data):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class VisibleApplicationField(VisibleRelatedField):
    """An application id, looked up among the applications the requester can see."""

    model = get_application_model()


class TokenOrganizationField(VisibleRelatedField):
    """The organization a token is bound to: one the requester can see, or the token's current one."""

    model = Organization

    def get_queryset(self):
        queryset = super().get_queryset()
        current = getattr(getattr(self.parent, "instance", None), "organization_id", None)
        if current is None:
            return queryset
        # Restating the binding a client read is no change, even where it cannot see that organization.
        return Organization.objects.filter(Q(pk__in=queryset.values("pk")) | Q(pk=current))


def token_any_status_url(pk: int) -> str:
    """A URL that finds a token whether or not it was revoked (a revoked token's detail is a 404)."""
    return f"{reverse('token_list')}?status=all&id={pk}"


def shown_once(token: AccessToken, issued) -> AccessToken:
    """Attach the new values to the instance for the create response only; they are never stored."""
    token.issued_value = issued.value
    token.issued_refresh_value = issued.refresh_value
    return token


class TokenSerializer(BaseSerializer):
    """An access token as read, changed, or created under a parent that fixes its application."""

    detail_view = "token_detail"
    summary = {
        "user": ("id", "username", "first_name", "last_name"),
        "application": ("id", "name", "client_id"),
        "organization": ("id", "name"),
        "revoked_by": ("id", "username"),
        "rotated_from": ("id", "description", "token_hint", "revoked_at"),
    }

    modified = serializers.DateTimeField(source="updated", read_only=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=512)
    user = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The owner: always the creator.")
    token = serializers.SerializerMethodField(help_text="The token value; shown only when it is created.")
    refresh_token = serializers.SerializerMethodField(
        help_text="The refresh token value; shown only when it is created, null for a personal access token."
    )
    application = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The application; null for a personal access token."
    )
    authorization_id = serializers.UUIDField(read_only=True, help_text="The token's stable public name.")
    # No default here either: a PUT that leaves out the binding keeps it rather than unbinding the token.
    organization = TokenOrganizationField(
        required=False,
        allow_null=True,
        help_text="The organization the token is bound to, and whose objects alone it reaches; null: unbound.",
    )
    expires = serializers.DateTimeField(
        required=False, help_text="When the token stops working; within the lifetime policy."
    )
    # No default here: a PUT that leaves out the scope keeps it rather than widening it.
    scope = ScopeField(required=False, help_text="Space-separated: 'read', 'write' or 'read write'.")
    last_used = serializers.DateTimeField(read_only=True)
    last_used_ip = serializers.IPAddressField(read_only=True)
    token_hint = serializers.CharField(read_only=True, help_text="The last characters of the value.")
    revoked_at = serializers.DateTimeField(read_only=True, help_text="When the token was revoked; null while usable.")
    revoked_by = serializers.PrimaryKeyRelatedField(read_only=True, help_text="Who revoked the token.")
    rotated_from = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The token this one replaced by rotation; null for a token created afresh."
    )
    issued_via = serializers.CharField(
        read_only=True,
        help_text="How the token was obtained: api, password, authorization_code or command.",
    )

    class Meta:
        model = AccessToken
        fields = BaseSerializer.base_fields + (
            "description",
            "authorization_id",
            "user",
            "token",
            "refresh_token",
            "application",
            "organization",
            "expires",
            "scope",
            "last_used",
            "last_used_ip",
            "token_hint",
            "revoked_at",
            "revoked_by",
            "rotated_from",
            "issued_via",
        )

    def is_personal(self, attrs) -> bool:
        if self.instance is not None:
            return self.instance.application_id is None
        return attrs.get("application") is None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "expires" in attrs:
            problem = policy.expiry_problem(attrs["expires"], personal=self.is_personal(attrs))
            if problem:
                raise serializers.ValidationError({"expires": [problem]})
        return attrs

    def get_summary_fields(self, obj) -> dict:
        summary = super().get_summary_fields(obj)
        if summary.get("revoked_by") is None:
            summary.pop("revoked_by", None)  # only a tombstone says who revoked it
        if summary.get("rotated_from") is None:
            summary.pop("rotated_from", None)
        return summary

    def get_token(self, obj) -> str:
        return reveal(self.context.get("request"), getattr(obj, "issued_value", None)) or SECRET_PLACEHOLDER

    def get_refresh_token(self, obj) -> str | None:
        if obj.application_id is None:
            return None
        return reveal(self.context.get("request"), getattr(obj, "issued_refresh_value", None)) or SECRET_PLACEHOLDER

    def get_related(self, obj) -> dict:
        related = {"user": reverse_pk("user_detail", obj.user_id)}
        if obj.application_id is not None:
            related["application"] = reverse_pk("application_detail", obj.application_id)
        if obj.organization_id is not None:
            related["organization"] = reverse_pk("organization_detail", obj.organization_id)
        related["activity_stream"] = reverse_pk(self.detail_view, obj.pk, "activity_stream/")
        if obj.rotated_from_id is not None:
            # The predecessor is a tombstone: its detail is a 404, the list with ?status=all shows it.
            related["rotated_from"] = token_any_status_url(obj.rotated_from_id)
        return related


class ApplicationTokenSerializer(TokenSerializer):
    """POST /applications/{id}/tokens/: the application comes from the URL; scope defaults to write."""

    scope = ScopeField(
        required=False, default=policy.DEFAULT_SCOPE, help_text="Space-separated: 'read', 'write' or 'read write'."
    )

    def is_personal(self, attrs) -> bool:
        return False


class TokenCreateSerializer(ApplicationTokenSerializer):
    """POST /tokens/ and /users/{id}/tokens/: an application token, or a PAT when `application` is null."""

    def is_personal(self, attrs) -> bool:
        return attrs.get("application") is None

    application = VisibleApplicationField(
        required=False, allow_null=True, default=None, help_text="The application; null for a personal access token."
    )


class PersonalTokenSerializer(TokenCreateSerializer):
    """POST /users/{id}/personal_tokens/: a PAT; `application` may be omitted or null, nothing else."""

    def validate_application(self, value):
        if value is not None:
            raise serializers.ValidationError("A personal access token has no application; send null or omit it.")
        return value


class AuthorizedTokenSerializer(TokenCreateSerializer):
    """POST /users/{id}/authorized_tokens/: a token of an application, which is required."""

    application = VisibleApplicationField(
        required=True, allow_null=False, help_text="The application the token is issued for."
    )


class KnownFieldsOnly(serializers.Serializer):
    """Refuses a body that is not an object, and names each field the serializer does not know (400)."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(key for key in data if key not in self.fields and key != "csrfmiddlewaretoken")
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        elif data is not None:
            raise serializers.ValidationError({"detail": ["Expected a JSON object."]})
        return super().to_internal_value(data)


class TokenRotateSerializer(KnownFieldsOnly):
    """POST /tokens/{id}/rotate/: only `expires`, for the new token; the rest is copied from the old one.

    The token being rotated comes in the context as `token`, for the lifetime policy of its kind.
    """

    expires = serializers.DateTimeField(
        required=False,
        help_text="When the new token stops working; within the lifetime policy. Default: the policy's default.",
    )

    def validate_expires(self, value):
        problem = policy.expiry_problem(value, personal=self.context["token"].application_id is None)
        if problem:
            raise serializers.ValidationError(problem)
        return value


# A century: longer than any token needs, short enough that an expiry stays a valid date.
MAX_PAT_LIFETIME_DAYS = 36500


class LifetimeDaysField(serializers.IntegerField):
    """A whole number of days, strictly: a JSON integer or a string of digits, never `true`, `1.5` or `"1.0"`."""

    default_error_messages = {"invalid": "Must be a whole number of days."}

    def to_internal_value(self, data):
        value = strict_id(data)
        if value is None:
            self.fail("invalid")
        return super().to_internal_value(value)


class ExemptUsersField(serializers.ManyRelatedField):
    """User ids, each looked up among the users the requester can see; an organization without a policy has none."""

    def get_attribute(self, instance):
        return list(instance.exempt_users.all()) if instance.pk is not None else []


class OrganizationTokenPolicySerializer(KnownFieldsOnly, serializers.ModelSerializer):
    """An organization's rules for its members' personal access tokens; unknown fields are refused."""

    organization = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The organization.")
    modified = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the policy last changed; null: never set."
    )
    max_pat_lifetime_days = LifetimeDaysField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_PAT_LIFETIME_DAYS,
        help_text="The longest a member's PAT may live, in days; null: no limit of the organization's own.",
    )
    restrict_global_pats = serializers.BooleanField(
        required=False, help_text="Members may not create PATs bound to no organization."
    )
    restrict_full_scope_pats = serializers.BooleanField(
        required=False, help_text="Members may not create write-scoped PATs bound to this organization or to none."
    )
    exempt_users = ExemptUsersField(
        child_relation=VisibleRelatedField(model=User),
        required=False,
        help_text="Ids of members who are not held to this policy.",
    )

    class Meta:
        model = OrganizationTokenPolicy
        fields = (
            "organization",
            "modified",
            "max_pat_lifetime_days",
            "restrict_global_pats",
            "restrict_full_scope_pats",
            "exempt_users",
        )
