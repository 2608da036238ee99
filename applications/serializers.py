"""The Tower-shaped serializer for OAuth2 applications, and the token summary it shows."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from rest_framework import serializers

from tokensvc import access
from tokensvc.api.relations import VisibleRelatedField
from tokensvc.api.serializers import SECRET_PLACEHOLDER, BaseSerializer, reverse_pk
from tokensvc.limits import DESCRIPTION_MAX_LENGTH, REDIRECT_URIS_MAX_LENGTH
from tokensvc.shownonce import reveal
from users.models import Organization

from .models import Application
from .redirects import GRANT_TYPES, redirect_uris_problems

# How many tokens summary_fields.tokens lists (the count covers them all).
TOKEN_SUMMARY_LIMIT = 10


def _token_model():
    # Reached through the tokens' relation to applications: this app imports nothing of tokens.
    return Application._meta.get_field("accesstoken").related_model


def _summarised_tokens(request):
    """The tokens the requester may see that still count: revoked ones are tombstones."""
    token_model = _token_model()
    visible = access.visible(request, token_model)
    return token_model.objects.filter(pk__in=visible.values("pk"), revoked_at__isnull=True)


def with_token_summary(queryset, request):
    """Annotate and prefetch what summary_fields.tokens needs: two queries for any page size."""
    tokens = _summarised_tokens(request)
    count = (
        tokens.filter(application_id=OuterRef("pk"))
        .order_by()
        .values("application_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    first = tokens.only("id", "scope", "application_id").order_by("-created", "-id")[:TOKEN_SUMMARY_LIMIT]
    return queryset.annotate(
        summary_token_count=Coalesce(Subquery(count, output_field=IntegerField()), 0)
    ).prefetch_related(Prefetch("accesstoken_set", queryset=first, to_attr="summary_tokens"))


class ApplicationSerializer(BaseSerializer):
    detail_view = "application_detail"
    summary = {"organization": ("id", "name", "description")}
    immutable_fields = ("organization", "authorization_grant_type")

    name = serializers.CharField(max_length=255, help_text="A human-readable name, unique in the organization.")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=DESCRIPTION_MAX_LENGTH)
    client_id = serializers.CharField(read_only=True, help_text="Generated; never editable.")
    client_secret = serializers.SerializerMethodField(
        help_text="Generated; shown only in the create response of a confidential application."
    )
    client_type = serializers.ChoiceField(choices=Application.CLIENT_TYPES)
    redirect_uris = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REDIRECT_URIS_MAX_LENGTH,
        help_text="Space-separated absolute http(s) URLs; required for the authorization-code grant type.",
    )
    authorization_grant_type = serializers.ChoiceField(
        choices=GRANT_TYPES, help_text="Set on create; cannot be changed afterwards."
    )
    skip_authorization = serializers.BooleanField(required=False, default=False)
    # Among the organizations the requester can see: one they cannot is answered as missing.
    organization = VisibleRelatedField(model=Organization, help_text="Set on create; cannot be changed afterwards.")
    is_resource_server = serializers.BooleanField(
        required=False,
        help_text="May introspect tokens issued to others at /api/o/introspect/. Set by a system administrator only.",
    )

    class Meta:
        model = Application
        fields = BaseSerializer.base_fields + (
            "name",
            "description",
            "client_id",
            "client_secret",
            "client_type",
            "redirect_uris",
            "authorization_grant_type",
            "skip_authorization",
            "organization",
            "is_resource_server",
        )
        # Name uniqueness is checked by the services (after authorization) with a clear message.
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.forced_organization is not None:
            self.fields["organization"].required = False

    @property
    def forced_organization(self):
        """The organization a nested URL creates applications in, if any."""
        return self.context.get("organization")

    # Output ----------------------------------------------------------------

    def get_client_secret(self, obj) -> str | None:
        if obj.client_type != Application.CLIENT_CONFIDENTIAL:
            return None
        issued = reveal(self.context.get("request"), getattr(obj, "issued_client_secret", None))
        return issued if issued else SECRET_PLACEHOLDER

    def get_related(self, obj):
        return {
            "tokens": reverse_pk("application_tokens", obj.pk),
            "organization": reverse_pk("organization_detail", obj.organization_id),
            "activity_stream": reverse_pk("application_activity_stream", obj.pk),
        }

    def get_summary_fields(self, obj):
        result = super().get_summary_fields(obj)
        result["tokens"] = self.token_summary(obj)
        return result

    def token_summary(self, obj) -> dict:
        if not hasattr(obj, "summary_token_count"):
            # A single object not loaded through with_token_summary() (e.g. just created).
            request = self.context["request"]
            obj = with_token_summary(Application.objects.filter(pk=obj.pk), request).get()
        return {
            "count": obj.summary_token_count,
            "results": [
                {"id": token.pk, "token": SECRET_PLACEHOLDER, "scope": token.scope} for token in obj.summary_tokens
            ],
        }

    # Input -----------------------------------------------------------------

    def validate(self, attrs):
        forced = self.forced_organization
        if forced is not None:
            given = attrs.get("organization")
            if given is not None and given.pk != forced.pk:
                raise serializers.ValidationError(
                    {"organization": [f"Applications created here belong to organization {forced.pk}."]}
                )
            attrs["organization"] = forced
        attrs = super().validate(attrs)
        instance = self.instance

        def effective(name):
            if name in attrs:
                return attrs[name]
            return getattr(instance, name) if instance is not None else None

        errors = {}
        uri_errors = redirect_uris_problems(effective("redirect_uris") or "", effective("authorization_grant_type"))
        if uri_errors:
            errors["redirect_uris"] = uri_errors

        # Name uniqueness is checked by the services, after authorization: checking it here would
        # tell anyone which names exist in organizations they cannot administer.
        if errors:
            raise serializers.ValidationError(errors)
        if "redirect_uris" in attrs:
            attrs["redirect_uris"] = " ".join(attrs["redirect_uris"].split())
        return attrs
