"""The base view of the dialect: who may call it, with which credential, in which organization and api-version.

Managing tokens needs a strong sign-in, as the lifecycle API demands: a browser session, or
an access token that a person obtained through an OAuth2 application (the
authorization-code flow, or the password grant unless TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH
is on). A personal access token cannot manage personal access tokens (one leaked PAT must not
mint more), and neither can a token created through /api/v2/ or a command; HTTP Basic and
anonymous calls are 401. Which organization is meant comes from the path: one the caller
cannot see (tokensvc.access) is a 404, as if it did not exist.
"""

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from config import runtime
from oauth.authentication import BearerTokenAuthentication
from tokens.models import AccessToken, IssuedVia
from tokensvc import access
from users.models import Organization

from . import errors, versions
from .openapi import DialectSchema

PAT_CREDENTIAL_MESSAGE = (
    "Personal access tokens cannot manage personal access tokens: sign in through an OAuth2 application "
    "(the authorization-code flow) or a browser session."
)
NOT_OAUTH_MESSAGE = (
    "This token was not issued through an OAuth2 sign-in ({kind}); managing personal access tokens needs "
    "a token from the authorization-code flow or a browser session."
)
INTERACTIVE_ONLY_MESSAGE = (
    "Managing personal access tokens needs an interactive sign-in while TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH "
    "is on: use a token from the authorization-code flow or a browser session, not one from the password grant."
)
BASIC_MESSAGE = (
    "HTTP Basic authentication is not accepted for managing personal access tokens: send an OAuth2 access token "
    "from the authorization-code flow as a Bearer token, or use a browser session."
)
ORGANIZATION_NOT_FOUND_MESSAGE = "The organization '{name}' does not exist or you do not belong to it."


def credential_denial(credential: object | None) -> str | None:
    """Why this credential may not call the dialect, or None (a session: no credential)."""
    if credential is None:
        return None
    if getattr(credential, "application_id", None) is None:
        return PAT_CREDENTIAL_MESSAGE
    issued_via = getattr(credential, "issued_via", None)
    if issued_via == IssuedVia.AUTHORIZATION_CODE:
        return None
    if issued_via == IssuedVia.PASSWORD:
        return INTERACTIVE_ONLY_MESSAGE if runtime.get("TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH") else None
    return NOT_OAUTH_MESSAGE.format(kind=IssuedVia(issued_via).label if issued_via in IssuedVia.values else "unknown")


def find_organization(request, name: str) -> Organization:
    """The organization named in the path, if the caller sees it: the one of exactly that name, else the only
    one whose name differs in case.

    Names are unique only as spelled: when an organization has exactly this name, the path
    means it and no other, visible or not, so a call aimed at one organization never acts on
    another whose name differs only in case. Clients lower-case some paths (route discovery),
    hence the case-insensitive fallback when no name matches exactly.
    """
    candidates = list(Organization.objects.filter(name__iexact=name).order_by("pk")[:3])
    exact = [organization for organization in candidates if organization.name == name]
    meant = exact if exact else candidates
    if len(meant) == 1:
        found = access.visible(request, Organization).filter(pk=meant[0].pk).first()
        if found is not None:
            return found
    raise exceptions.NotFound(ORGANIZATION_NOT_FOUND_MESSAGE.format(name=name[:100]))


class BasicRefused(BaseAuthentication):
    """A request with HTTP Basic credentials is a 401 that says why, not an anonymous call."""

    def authenticate(self, request):
        if get_authorization_header(request).split(b" ", 1)[0].lower() == b"basic":
            raise exceptions.AuthenticationFailed(BASIC_MESSAGE)
        return None

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class JSONOnly(BaseContentNegotiation):
    """Always JSON: the dialect's clients send `Accept: application/json;api-version=...`, whose
    parameter DRF's negotiation would otherwise require the renderer to declare."""

    def select_parser(self, request, parsers):
        media_type = request.content_type.split(";")[0].strip().lower()
        return next((parser for parser in parsers if parser.media_type == media_type), None)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DialectView(APIView):
    """A view of `/{organization}/_apis/...`: Bearer (OAuth2 user tokens) or session, api-version required.

    Handlers find `self.organization` and `self.api_version` set, and ask `tokensvc.access`
    for every decision (`access_model` binds the view to the token policy; the permission
    class applies only the scope mask before the handler, `object_scoped`).
    """

    authentication_classes = (BasicRefused, BearerTokenAuthentication, SessionAuthentication)
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = JSONOnly
    schema = DialectSchema()
    access_model = AccessToken
    object_scoped = True
    # Route discovery is asked without an api-version (the official client sends none there).
    requires_api_version = True
    organization: Organization
    api_version: str

    def get_exception_handler(self):
        return errors.exception_handler

    def get_authenticate_header(self, request):
        # 401, not 403, for anonymous calls: the Bearer challenge names the way in.
        return 'Bearer realm="api"'

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        neg = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = neg
        self.perform_authentication(request)
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        denial = credential_denial(request.auth)
        if denial:
            raise exceptions.AuthenticationFailed(denial)
        self.api_version = versions.requested(request) if self.requires_api_version else ""
        self.check_permissions(request)
        self.check_throttles(request)
        self.organization = find_organization(request, kwargs["organization"])
