"""Revoking a user's tokens at once: POST /api/v2/users/{id}/tokens/revoke/."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response

from tokensvc import access
from tokensvc.api import viewsets
from tokensvc.api.permissions import enforce
from users.models import User

from . import services
from .models import AccessToken, RefreshToken

REASON = "revoked with all of the user's tokens"


class RevokeTokensSerializer(serializers.Serializer):
    """The body is empty; the answer counts the tokens concerned."""

    revocable = serializers.IntegerField(read_only=True, help_text="Live tokens a POST would revoke.")
    revoked = serializers.IntegerField(read_only=True, help_text="Tokens the POST revoked.")

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(key for key in data if key != "csrfmiddlewaretoken")
            if unknown:
                raise serializers.ValidationError(
                    {key: ["Unknown field: this request takes no body."] for key in unknown}
                )
        return super().to_internal_value(data)


class UserTokensRevoke(viewsets.ParentMixin, viewsets.AccessMixin, generics.GenericAPIView):
    """GET counts the tokens of user {pk} that you may revoke at once; POST revokes them.

    A system administrator revokes every token of the user, personal access tokens
    included; an admin of an organization the user belongs to revokes the user's tokens of
    that organization's applications (the tokens' policy, `AccessTokenAccess.can_revoke_tokens`
    and `revocable_tokens`). Refresh tokens go with them. The answer is `{"revoked": N}`.
    """

    access_model = AccessToken
    parent_model = User
    parent_lookup_alternate = "username"
    serializer_class = RevokeTokensSerializer

    def access_action(self, request):
        return "revoke_tokens" if request.method == "POST" else None

    def filter_for_parent(self, queryset, parent):
        return queryset.filter(user=parent)

    def policy(self):
        return access.policy_for(self.request, AccessToken)

    @extend_schema(responses=inline_serializer("RevocableTokens", {"revocable": serializers.IntegerField()}))
    def get(self, request, *args, **kwargs):
        user = self.get_parent()
        count = self.policy().revocable_tokens(user).filter(revoked_at__isnull=True).count()
        return Response({"revocable": count})

    @extend_schema(
        request=None, responses={200: inline_serializer("RevokedTokens", {"revoked": serializers.IntegerField()})}
    )
    def post(self, request, *args, **kwargs):
        user = self.get_parent()
        enforce(request, "revoke_tokens", AccessToken, obj=user)
        self.get_serializer(data=request.data).is_valid(raise_exception=True)
        policy = self.policy()
        revocation = services.tokens_revoke(
            actor=request.user,
            access_tokens=policy.revocable_tokens(user),
            refresh_tokens=policy.revocable_tokens(user, RefreshToken),
            reason=REASON,
        )
        return Response({"revoked": len(revocation.tokens)})
