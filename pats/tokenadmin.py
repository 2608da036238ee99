"""The token admin API: an organization's admins list and revoke its members' personal access tokens.

- `GET {org}/_apis/tokenadmin/personalaccesstokens/{user}` (a username or an id; `pageSize`,
  `continuationToken`, `isPublic`) lists that member's live PATs usable in the organization
  (bound to it, or to none), oldest first, as `SessionToken`s; the continuation token is
  opaque and keyset-based, so tokens created meanwhile cause no duplicate and no gap.
- `POST {org}/_apis/tokenadmin/revocations` `[{"authorizationId": ...}, ...]` revokes those
  of them that are such tokens; other ids are ignored alike, whether they exist or not.
- `POST {org}/_apis/tokenadmin/revocationrules` `{"scopes": ..., "createdBefore": ...}`
  revokes every such token whose scope grants any of the named rights (`write` implying
  `read`: `read` names every token) and that was created before the instant (default: now).

Who may: the token policy (`AccessTokenAccess.can_view_member_tokens`/`can_revoke_member_tokens`,
`member_tokens`). `isPublic=true` asks for SSH keys, of which this service has none: it lists
and revokes nothing. Revocations are recorded (naming the admin) by the token services and
take effect at once; the owners are emailed.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from tokens import notifications, policy, services
from tokens.models import AccessToken
from tokensvc import access
from tokensvc.api.permissions import enforce
from users.models import Membership, User

from . import openapi as schema
from . import tokenadmin_wire as wire
from .base import DialectView

MEMBER_NOT_FOUND_MESSAGE = "The user '{name}' does not exist or is not a member of the organization '{organization}'."
NO_MEMBER_MESSAGE = "Name the user in the path: .../personalaccesstokens/{username or id}."
REVOCATION_REASON = "revoked by an administrator of the organization"
RULE_REASON = "revoked by a revocation rule of the organization"


class TokenAdminView(DialectView):
    """Common ground: the member tokens the requester administers in the path's organization."""

    def member_tokens(self):
        return access.policy_for(self.request, AccessToken).member_tokens(self.organization)

    def revoke(self, tokens, reason: str) -> None:
        """Revoke `tokens` (a queryset) as the requester, then tell their owners."""
        revocation = services.tokens_revoke(
            actor=self.request.user, access_tokens=tokens, reason=reason, organization_id=self.organization.pk
        )
        if not revocation.tokens:
            return
        ids = [token.id for token in revocation.tokens]
        # In chunks: a rule may revoke more tokens than a statement may name.
        revoked = [
            token
            for start in range(0, len(ids), services.CHUNK)
            for token in AccessToken.objects.filter(pk__in=ids[start : start + services.CHUNK]).select_related("user")
        ]
        admin_name, organization_name = self.request.user.get_username(), self.organization.name
        # Once the revocation is committed (at once when it was its own transaction): a
        # revocation that a surrounding transaction rolls back is never announced.
        transaction.on_commit(
            lambda: notifications.notify_admin_revocation(
                tokens=revoked, admin_name=admin_name, organization_name=organization_name
            )
        )


class PersonalAccessTokens(TokenAdminView):
    """GET: one member's personal access tokens usable in the organization, a page at a time."""

    @extend_schema(
        operation_id="tokenadmin_personalaccesstokens_list",
        summary="List a member's personal access tokens usable in the organization",
        parameters=schema.MEMBER_TOKENS_PARAMETERS,
        responses={200: schema.PagedSessionTokensSerializer},
    )
    def get(self, request, organization, member=None):
        enforce(request, "view_member_tokens", AccessToken, obj=self.organization)
        if not member:
            raise exceptions.ValidationError({"subjectDescriptor": [NO_MEMBER_MESSAGE]})
        user = self.find_member(member)
        size = wire.page_size(request)
        after = wire.resume_after(request, organization=self.organization, member_id=user.pk)
        public = wire.boolean(request, "isPublic")
        tokens = self.member_tokens().filter(user_id=user.pk).order_by("pk")
        if after is not None:
            tokens = tokens.filter(pk__gt=after)
        rows = [] if public else list(tokens[: size + 1])
        page, more = rows[:size], len(rows) > size
        now = timezone.now()
        token = (
            wire.continuation(organization=self.organization, member_id=user.pk, last_pk=page[-1].pk) if more else None
        )
        return Response(
            {
                "value": [wire.session_token(row, self.organization, now) for row in page],
                "continuationToken": token,
            }
        )

    def find_member(self, name: str) -> User:
        """The member named in the path, by id (digits) or username, among the users the requester sees."""
        lookup = Q(pk=int(name)) if name.isascii() and name.isdigit() and len(name) < 19 else Q(username=name)
        members = Membership.objects.filter(organization_id=self.organization.pk).values("user_id")
        user = access.visible(self.request, User).filter(lookup, pk__in=members).first()
        if user is None:
            raise exceptions.NotFound(
                MEMBER_NOT_FOUND_MESSAGE.format(name=name[:100], organization=self.organization.name)
            )
        return user


class Revocations(TokenAdminView):
    """POST: revoke the listed authorizations that are member tokens usable in the organization."""

    @extend_schema(
        operation_id="tokenadmin_revocations_create",
        summary="Revoke members' personal access tokens by authorizationId",
        parameters=[schema.IS_PUBLIC],
        request=schema.RevocationSerializer(many=True),
        responses={204: None},
    )
    def post(self, request, organization):
        enforce(request, "revoke_member_tokens", AccessToken, obj=self.organization)
        ids = wire.revocation_ids(request.data)
        public = wire.boolean(request, "isPublic")
        if ids and not public:
            self.revoke(self.member_tokens().filter(authorization_id__in=ids), REVOCATION_REASON)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RevocationRules(TokenAdminView):
    """POST: revoke at once every member token usable in the organization that the rule matches."""

    @extend_schema(
        operation_id="tokenadmin_revocationrules_create",
        summary="Revoke every member token whose scope grants the named rights, created before an instant",
        request=schema.RevocationRuleSerializer,
        responses={204: None},
    )
    def post(self, request, organization):
        enforce(request, "revoke_member_tokens", AccessToken, obj=self.organization)
        rights, before = wire.revocation_rule(request.data, timezone.now())
        matching = self.member_tokens().filter(policy.granting_any(rights), created__lt=before)
        self.revoke(matching, f"{RULE_REASON} (scopes {' '.join(sorted(rights))}, created before {before.isoformat()})")
        return Response(status=status.HTTP_204_NO_CONTENT)
