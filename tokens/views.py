"""Thin views for access tokens: top-level, per application and per user.

They choose no defaults: a token created or rotated without `expires` gets the lifetime
policy's default from the service (tokens/policy.py). An organization's token policy refusing
a token (policy.PolicyViolation, raised by the services) is answered here, once for every
token view: 400 naming `expires` for the lifetime rule, 403 for the others.
"""

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from oauth2_provider.models import get_application_model
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from activity.api.views import ObjectActivityStream
from tokensvc import access
from tokensvc.api import viewsets
from tokensvc.api.permissions import enforce
from tokensvc.openapi.schema import ErrorSerializer
from users.models import Organization, User

from . import org_policy, policy, services
from .models import STATUSES, AccessToken, OrganizationTokenPolicy
from .serializers import (
    ApplicationTokenSerializer,
    AuthorizedTokenSerializer,
    OrganizationTokenPolicySerializer,
    PersonalTokenSerializer,
    TokenCreateSerializer,
    TokenRotateSerializer,
    TokenSerializer,
    shown_once,
)


class TokenViewMixin:
    # `?status=` selects by lifecycle (see TokenStatusMixin); it is not a field filter.
    extra_query_params = ("status",)
    access_model = AccessToken
    serializer_class = TokenSerializer
    search_fields = ("description",)
    # Create serializers for POST; everything else reads and changes through TokenSerializer.
    create_serializer_class = TokenCreateSerializer

    def get_serializer_class(self):
        if self.request.method == "POST":
            return self.create_serializer_class
        return self.serializer_class

    def handle_exception(self, exc):
        if isinstance(exc, policy.PolicyViolation):
            exc = policy_violation_error(exc)
        return super().handle_exception(exc)

    def create_object(self, data):
        # The owner is always the requester; the policy has refused any other owner already.
        application = data.get("application")
        issued = services.token_issue(
            actor=self.request.user,
            user=self.request.user,
            application=application,
            scope=data["scope"],
            description=data.get("description", ""),
            expires=data.get("expires"),
            organization=data.get("organization"),
        )
        return shown_once(issued.token, issued)


def policy_violation_error(violation: policy.PolicyViolation) -> exceptions.APIException:
    """The answer to a token an organization's policy refuses: a lifetime is bad input, the rest is forbidden."""
    if violation.is_bad_input:
        return exceptions.ValidationError({violation.field: [violation.message]})
    return exceptions.PermissionDenied(violation.message)


class TokenListMixin(TokenViewMixin):
    """`?status=active` (the default), `expired`, `revoked` or `all` on every token list."""

    def creation_precheck_data(self):
        data = super().creation_precheck_data()
        bound = access.Actor.of(self.request).bound_organization_id
        if bound is not None:
            # Judged before the body is read: with the one binding such a credential may create.
            data["organization"] = bound
        return data

    def token_status(self) -> str:
        status = self.request.query_params.get("status", "active")
        if status not in STATUSES:
            raise serializers.ValidationError({"status": [f"Must be one of: {', '.join(STATUSES)}."]})
        return status

    def get_queryset(self):
        status = self.token_status()
        if status in ("revoked", "all"):
            # Tombstones are outside visible(); the policy lists them from its history.
            queryset = access.visible(self.request, AccessToken, include_revoked=True, listing=True)
            if isinstance(self, viewsets.ParentMixin):
                queryset = self.filter_for_parent(queryset, self.get_parent())
        else:
            queryset = super().get_queryset()
        return queryset.with_status(status)


class TokenList(TokenListMixin, viewsets.ListCreateView):
    pass


class TokenChangedConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The token was changed by another request while this one was processed; read it again and retry."
    default_code = "conflict"


ROTATED_MEANWHILE = (
    "This token was rotated or revoked by another request while this one was processed; "
    "of simultaneous rotations only one succeeds. Use the token that rotation returned."
)
CHANGED_MEANWHILE = OpenApiResponse(ErrorSerializer, description=TokenChangedConflict.default_detail)


@extend_schema_view(
    put=extend_schema(responses={200: TokenSerializer, 409: CHANGED_MEANWHILE}),
    patch=extend_schema(responses={200: TokenSerializer, 409: CHANGED_MEANWHILE}),
)
class TokenDetail(TokenViewMixin, viewsets.DetailView):
    def update_object(self, instance, data):
        try:
            return services.token_update(actor=self.request.user, token=instance, data=data)
        except services.TokenRevoked:
            raise Http404 from None
        except services.TokenChanged:
            raise TokenChangedConflict() from None

    def delete_object(self, instance):
        # Of simultaneous DELETEs one revokes; the others find a tombstone, which is gone (404).
        if not services.token_revoke(actor=self.request.user, token=instance):
            raise Http404


class TokenRotate(TokenViewMixin, viewsets.ReadOnlyDetailView):
    """GET shows the token; POST {"expires"?} replaces it by a new one, returned once with its value (201).

    The token is looked up among the tokens the requester may know of, tombstones included,
    so that rotating a revoked one is answered as bad input (400) rather than as missing.
    """

    def access_action(self, request):
        return "rotate" if request.method == "POST" else None

    def get_serializer_class(self):
        if self.request.method == "POST":
            return TokenRotateSerializer
        return self.serializer_class

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request.method == "POST":
            context["token"] = getattr(self, "_token", None) or self.get_object()
        return context

    def get_queryset(self):
        if self.request.method != "POST":
            return super().get_queryset()
        return access.visible(self.request, AccessToken, include_revoked=True)

    @extend_schema(
        request=TokenRotateSerializer,
        responses={201: TokenSerializer, 409: OpenApiResponse(ErrorSerializer, description=ROTATED_MEANWHILE)},
    )
    def post(self, request, *args, **kwargs):
        self._token = token = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                issued = services.token_rotate(
                    actor=request.user, token=token, expires=serializer.validated_data.get("expires")
                )
        except services.TokenChanged:
            raise TokenChangedConflict(ROTATED_MEANWHILE) from None
        body = TokenSerializer(shown_once(issued.token, issued), context=super().get_serializer_context()).data
        location = reverse("token_detail", kwargs={"pk": issued.token.pk})
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


class ApplicationTokens(TokenListMixin, viewsets.SubListCreateView):
    """Tokens of application {pk}; POST issues one for the requester, linked to the application."""

    parent_model = get_application_model()
    create_serializer_class = ApplicationTokenSerializer

    def filter_for_parent(self, queryset, parent):
        return queryset.filter(application=parent)

    def creation_defaults(self):
        return {"application": self.get_parent()}


class UserTokens(TokenListMixin, viewsets.SubListCreateView):
    """Tokens of user {pk} (not the requester's), as far as the requester may see them.

    POST issues a token for the requester, so it is refused unless user {pk} is the requester.
    """

    parent_model = User
    parent_lookup_alternate = "username"

    def filter_for_parent(self, queryset, parent):
        return queryset.filter(user=parent)

    def creation_defaults(self):
        return {"user": self.get_parent()}


class UserPersonalTokens(UserTokens):
    create_serializer_class = PersonalTokenSerializer

    def filter_for_parent(self, queryset, parent):
        return queryset.filter(user=parent, application__isnull=True)


class UserAuthorizedTokens(UserTokens):
    create_serializer_class = AuthorizedTokenSerializer

    def filter_for_parent(self, queryset, parent):
        return queryset.filter(user=parent, application__isnull=False)


class TokenActivityStream(ObjectActivityStream):
    parent_model = AccessToken

    def parent_queryset(self):
        # A revoked token's history stays readable to whoever could see the token.
        return access.visible(self.request, AccessToken, include_revoked=True)


class OrganizationTokenPolicyDetail(viewsets.ParentMixin, viewsets.AccessMixin, generics.GenericAPIView):
    """GET shows the token policy of organization {pk} (the defaults while it has none); PUT and PATCH set it.

    Fields left out keep their value, for PUT as for PATCH; the first write creates the policy.
    """

    access_model = OrganizationTokenPolicy
    parent_model = Organization
    serializer_class = OrganizationTokenPolicySerializer

    def filter_for_parent(self, queryset, parent):
        return queryset.filter(organization=parent)

    def get_object(self):
        parent = self.get_parent()
        # Fetched through get_queryset(): visible(), the one place querysets are filtered.
        rule = self.get_queryset().first() or OrganizationTokenPolicy(organization=parent)
        self.check_object_permissions(self.request, rule)
        return rule

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def put(self, request, *args, **kwargs):
        return self._update(request)

    def patch(self, request, *args, **kwargs):
        return self._update(request)

    def _update(self, request):
        rule = self.get_object()
        serializer = self.get_serializer(rule, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        enforce(request, "change", OrganizationTokenPolicy, obj=rule, data=serializer.validated_data)
        updated = org_policy.organization_token_policy_update(
            actor=request.user, organization=rule.organization, values=serializer.validated_data
        )
        return Response(self.get_serializer(updated).data)
