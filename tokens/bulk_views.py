"""Revoking a user's tokens at once: POST /api/v2/users/{id}/tokens/revoke/."""

from oauth2_provider.models import get_refresh_token_model
from rest_framework import generics, serializers
from rest_framework.response import Response

from tokensvc import access
from tokensvc.api import viewsets
from users import services
from users.models import User

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


class UserTokensRevoke(viewsets.AccessMixin, generics.GenericAPIView):
    """GET counts the tokens of user {pk} that you may revoke at once; POST revokes them.

    A system administrator revokes every token of the user, personal access tokens
    included; an admin of an organization the user belongs to revokes the user's tokens of
    that organization's applications. Refresh tokens go with them. The answer is
    `{"revoked": N}`.
    """

    access_model = User
    lookup_alternate = "username"
    object_scoped = True
    serializer_class = RevokeTokensSerializer

    def access_action(self, request):
        return "revoke_tokens" if request.method == "POST" else None

    def policy(self):
        return access.policy_for(self.request, User)

    def get(self, request, *args, **kwargs):
        user = self.get_object()
        count = self.policy().revocable_tokens(user).filter(revoked_at__isnull=True).count()
        return Response({"revocable": count})

    def post(self, request, *args, **kwargs):
        user = self.get_object()
        self.get_serializer(data=request.data).is_valid(raise_exception=True)
        policy = self.policy()
        revoked = services.user_tokens_revoke(
            actor=request.user,
            access_tokens=policy.revocable_tokens(user),
            refresh_tokens=policy.revocable_tokens(user, get_refresh_token_model()),
            reason=REASON,
        )
        return Response({"revoked": revoked})
