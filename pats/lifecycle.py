"""`/{organization}/_apis/tokens/pats`: List, Get, Create, Update and Revoke the caller's personal access tokens.

A thin translation: the wire module reads and writes the bodies, tokensvc.access decides
who may do what (organization binding included), tokens.policy says which lifetimes are
allowed, tokens.services writes. The caller manages only their own PATs that are usable in
the organization of the path (bound to it, or bound to none); any other authorizationId,
another user's included, is authorizationNotFound (404), never a hint that it exists.
"""

import uuid

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from tokens import policy, services
from tokens.models import AccessToken
from tokensvc import access
from tokensvc.api.parsers import JSONParser
from tokensvc.shownonce import reveal

from . import errors, listing, wire
from . import openapi as schema
from .base import DialectView
from .errors import PatError, PatTokenError

NOT_FOUND_MESSAGE = "No personal access token of yours with authorizationId {id} is usable in this organization."
REVOKED_MESSAGE = (
    "The personal access token {id} has been revoked: it cannot be renewed or changed. Create a new one instead."
)


class TokenChangedConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The token was changed by another request while this one was processed; read it again and retry."


def _pat_errors(exc: Exception, context: dict):
    """As the dialect answers, but a refusal is the operation's own `accessDenied`, a token policy's its rule."""
    if isinstance(exc, policy.PolicyViolation):
        code = status.HTTP_400_BAD_REQUEST if exc.is_bad_input else status.HTTP_403_FORBIDDEN
        exc = PatError(PatTokenError(exc.code), exc.message, code)
    elif isinstance(exc, exceptions.PermissionDenied):
        response = errors.pat_error_response(
            PatError(PatTokenError.ACCESS_DENIED, str(exc.detail), status.HTTP_403_FORBIDDEN)
        )
        scope = getattr(exc, "scope", None)
        if scope:
            response["WWW-Authenticate"] = f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'
        return response
    return errors.exception_handler(exc, context)


class PersonalAccessTokens(DialectView):
    """List (GET), Get (GET ?authorizationId=), Create (POST), Update (PUT), Revoke (DELETE ?authorizationId=)."""

    http_method_names = ["get", "post", "put", "delete"]
    parser_classes = (JSONParser,)
    # Failures of the operations themselves are answered in the `patTokenError` shape.
    pat_token_errors = True

    def get_exception_handler(self):
        return _pat_errors

    # Which PATs: the caller's own, usable in the organization, tombstones included.

    def own_pats(self):
        tokens = access.visible(self.request, AccessToken, include_revoked=True).select_related(None)
        usable_here = Q(organization__isnull=True) | Q(organization=self.organization)
        return tokens.filter(usable_here, user_id=self.request.user.pk, application__isnull=True)

    def find(self, authorization_id: uuid.UUID) -> AccessToken:
        token = self.own_pats().filter(authorization_id=authorization_id).first()
        if token is None:
            raise PatError(
                PatTokenError.AUTHORIZATION_NOT_FOUND,
                NOT_FOUND_MESSAGE.format(id=authorization_id),
                status.HTTP_404_NOT_FOUND,
            )
        return token

    def enforce(self, action: str, token: AccessToken | None = None, data: dict | None = None) -> None:
        decision = access.check(self.request, action, AccessToken, token, data)
        if not decision:
            raise PatError(
                PatTokenError.ACCESS_DENIED,
                decision.reason or "You may not do this to personal access tokens.",
                status.HTTP_403_FORBIDDEN,
            )

    @staticmethod
    def check_expiry(expires) -> None:
        problem = policy.expiry_problem(expires, personal=True)
        if problem:
            raise PatError(PatTokenError.INVALID_VALID_TO, problem)

    # Operations.

    @extend_schema(
        operation_id="pats_list",
        summary="List your personal access tokens, or Get one with authorizationId",
        parameters=schema.LIST_PARAMETERS,
        responses={200: schema.PAT_TOKEN_LIST_OR_GET},
    )
    def get(self, request, *args, **kwargs):
        if "authorizationId" in request.query_params:
            token = self.find(wire.authorization_id(request.query_params["authorizationId"]))
            return Response(wire.result(token, self.organization))
        query = listing.parse(request.query_params, self.organization.pk)
        rows, continuation = listing.page(self.own_pats(), query, self.organization.pk)
        return Response(
            {
                "continuationToken": continuation,
                "patTokens": [wire.pat_token(token, self.organization) for token in rows],
            }
        )

    @extend_schema(
        operation_id="pats_create",
        summary="Create a personal access token; its value is in patToken.token, this once",
        request=schema.PatTokenCreateSerializer,
        responses={200: schema.PatTokenResultSerializer},
    )
    def post(self, request, *args, **kwargs):
        body = wire.body(request.data, update=False)
        organization = None if body.all_orgs else self.organization
        if body.valid_to is not None:
            self.check_expiry(body.valid_to)
        scope = body.scope or policy.DEFAULT_SCOPE
        self.enforce("add", data={"user": request.user, "application": None, "organization": organization})
        issued = services.token_issue(
            actor=request.user,
            user=request.user,
            scope=scope,
            description=body.display_name or "",
            expires=body.valid_to,
            organization=organization,
        )
        return Response(wire.result(issued.token, self.organization, reveal(request, issued.value)))

    @extend_schema(
        operation_id="pats_update",
        summary="Update (rename, narrow or widen, renew or shorten, bind or unbind) a personal access token",
        request=schema.PatTokenUpdateSerializer,
        responses={200: schema.PatTokenResultSerializer},
    )
    def put(self, request, *args, **kwargs):
        body = wire.body(request.data, update=True)
        assert body.authorization_id is not None
        token = self.find(body.authorization_id)
        if token.revoked_at is not None:
            raise PatError(PatTokenError.INVALID_AUTHORIZATION_ID, REVOKED_MESSAGE.format(id=token.authorization_id))
        data: dict = {}
        if body.display_name is not None:
            data["description"] = body.display_name
        if body.scope is not None:
            data["scope"] = body.scope
        if body.valid_to is not None and body.valid_to != token.expires:
            self.check_expiry(body.valid_to)
            data["expires"] = body.valid_to
        if body.all_orgs is not None:
            data["organization"] = None if body.all_orgs else self.organization
        self.enforce("change", token, data)
        try:
            token = services.token_update(actor=request.user, token=token, data=data)
        except services.TokenRevoked:
            raise PatError(
                PatTokenError.INVALID_AUTHORIZATION_ID, REVOKED_MESSAGE.format(id=token.authorization_id)
            ) from None
        except services.TokenChanged:
            raise TokenChangedConflict() from None
        return Response(wire.result(token, self.organization))

    @extend_schema(
        operation_id="pats_revoke",
        summary="Revoke a personal access token",
        parameters=schema.REVOKE_PARAMETERS,
        responses={204: None},
    )
    def delete(self, request, *args, **kwargs):
        token = self.find(wire.authorization_id(request.query_params.get("authorizationId")))
        if token.revoked_at is None:
            self.enforce("delete", token)
            # Of simultaneous revocations one records it; for the others the token is just as revoked.
            services.token_revoke(actor=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
