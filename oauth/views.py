"""Thin views for /api/o/: the toolkit's endpoints behind one front door that speaks JSON.

Every endpoint here answers errors as an OAuth error object (`error`,
`error_description`), never HTML: bodies that are not form-encoded, unknown methods,
oversized or unparseable requests and toolkit errors that would otherwise render a page.
"""

import base64
import binascii
import calendar
import json
import logging
from datetime import timedelta
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse, UnreadablePostError
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider import views as toolkit
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from tokens.models import AccessToken, RefreshToken
from tokensvc import throttling, tokenformat
from tokensvc.addresses import client_address

from . import server
from .validators import TooManyFailures, Validator

logger = logging.getLogger(__name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
FORM_ONLY_MESSAGE = f"This endpoint only accepts {FORM_CONTENT_TYPE} request bodies."
# RFC 8707 lets a client name several resource indicators; every other parameter comes once.
REPEATABLE_PARAMETERS = frozenset({"resource"})


def grant_types() -> list[str]:
    """The grant types /api/o/token/ accepts: exactly those the metadata document advertises."""
    offered = list(oauth2_settings.OAUTH2_GRANT_TYPES_SUPPORTED)
    if oauth2_settings.COMPLIANT_BCP_RFC9700_PASSWORD_GRANT:
        offered.remove("password")
    return offered


# How /api/o/introspect/ authenticates its caller (authenticate_confidential_client): a
# confidential application only, so never "none".
INTROSPECTION_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def oauth_error(error: str, description: str, status: int, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def too_many_failures(lockout: throttling.Lockout) -> JsonResponse:
    """429 for a locked client_id or address, shaped as the token endpoint answers it (validators.TooManyFailures)."""
    return oauth_error(
        TooManyFailures.error, lockout.message, TooManyFailures.status_code, {"Retry-After": str(lockout.retry_after)}
    )


# What an error means, for the errors the protocol library sends without a description.
ERROR_DESCRIPTIONS = {
    "invalid_request": "The request is missing a required parameter or is malformed.",
    "invalid_client": "Client authentication failed: unknown client, or wrong or missing client credentials.",
    "invalid_grant": "The grant or credentials are invalid, expired or revoked.",
    "unauthorized_client": "This client is not allowed to use this grant type.",
    "invalid_scope": "Unknown scope: a space-separated list of 'read' and 'write' is expected.",
    "unsupported_token_type": "This token type cannot be revoked.",
    "access_denied": "The request was refused.",
}


def with_description(response):
    """Label a JSON OAuth error as JSON, with an `error_description` when the library left it out."""
    if response.status_code < 400 or getattr(response, "streaming", False) or not response.content.startswith(b"{"):
        return response
    try:
        body = json.loads(response.content)
    except ValueError:
        return response
    if isinstance(body, dict) and "error" in body:
        if not body.get("error_description"):
            body["error_description"] = ERROR_DESCRIPTIONS.get(body["error"], "The request was refused.")
            response.content = json.dumps(body)
        response["Content-Type"] = "application/json"
    return response


# Form fields that carry secrets: hidden from error reports of every /api/o/ endpoint.
SECRET_FORM_FIELDS = ("password", "client_secret", "refresh_token", "code", "code_verifier", "token")


class OAuthEndpoint(View):
    """The front door: form-encoded bodies only, JSON errors for whatever goes wrong with the input."""

    @method_decorator(sensitive_post_parameters(*SECRET_FORM_FIELDS))
    def dispatch(self, request, *args, **kwargs):
        handler = getattr(self, request.method.lower(), None)
        if request.method.lower() not in self.http_method_names or handler is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        if request.method == "POST":
            refusal = self.refuse_body(request)
            if refusal is not None:
                return refusal
        refusal = self.refuse_repeated_parameters(request)
        if refusal is not None:
            return refusal
        try:
            response = super().dispatch(request, *args, **kwargs)
        except errors.OAuth2Error as exc:
            # Raised after validation, while saving (e.g. a refresh token that lost a race).
            return oauth_error(exc.error, exc.description, exc.status_code)
        except (SuspiciousOperation, UnreadablePostError, ValueError) as exc:
            # Malformed input deep inside the protocol library (bad escapes, odd bytes).
            logger.info("oauth endpoint=%s refused malformed request: %s", request.path, type(exc).__name__)
            return oauth_error("invalid_request", "The request is malformed.", 400)
        return with_description(response)

    def refuse_body(self, request):
        content_type = request.content_type or ""
        try:
            has_body = bool(request.body)
        except (SuspiciousOperation, UnreadablePostError):
            return oauth_error("invalid_request", "The request body is too large or unreadable.", 400)
        if content_type != FORM_CONTENT_TYPE and (content_type or has_body):
            return oauth_error("invalid_request", FORM_ONLY_MESSAGE, 400)
        try:
            request.POST  # noqa: B018  (parse now, so that limits are reported here, as JSON)
        except (SuspiciousOperation, UnreadablePostError, ValueError):
            return oauth_error("invalid_request", "The request body is too large or cannot be parsed.", 400)
        return None

    def refuse_repeated_parameters(self, request):
        # RFC 6749 section 3.1: a parameter sent twice is an error. The protocol library
        # would read one copy and Django another (say, two grant types or two scopes).
        sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
        repeated = sorted(
            {name for params in sources for name, values in params.lists() if len(values) > 1} - REPEATABLE_PARAMETERS
        )
        if repeated:
            return oauth_error("invalid_request", f"Repeated parameter: {', '.join(repeated)}; send each once.", 400)
        return None

    def http_method_not_allowed(self, request, *args, **kwargs):
        allowed = [m.upper() for m in self.http_method_names if m != "options" and hasattr(self, m)]
        return oauth_error(
            "invalid_request",
            f"Method {request.method} is not allowed on this endpoint; use {', '.join(allowed)}.",
            405,
            {"Allow": ", ".join(allowed)},
        )


class OAuthRoot(OAuthEndpoint):
    """GET /api/o/: where the OAuth2 endpoints are."""

    http_method_names = ["get", "head"]

    def get(self, request):
        return JsonResponse(
            {
                "authorize": reverse("oauth2_provider:authorize"),
                "token": reverse("oauth2_provider:token"),
                "revoke_token": reverse("oauth2_provider:revoke-token"),
                "introspect": reverse("oauth2_provider:introspect"),
                "metadata": reverse("oauth_authorization_server_metadata"),
            }
        )


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(OAuthEndpoint, toolkit.TokenView):
    """POST /api/o/token/: password, authorization_code (PKCE) and refresh_token grants."""

    http_method_names = ["post", "options"]

    def post(self, request, *args, **kwargs):
        # The protocol library knows more grant types than are offered here (and asserts on
        # some of them, e.g. `openid`): only the advertised ones reach it.
        grant_type = request.POST.get("grant_type")
        if not grant_type:
            return oauth_error("invalid_request", "The grant_type parameter is missing.", 400)
        if grant_type not in grant_types():
            return oauth_error(
                "unsupported_grant_type", f"Unsupported grant_type: use {', '.join(grant_types())}.", 400
            )
        response = self.authorization_flow_token_response(request)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


@method_decorator(csrf_exempt, name="dispatch")
class RevokeTokenView(OAuthEndpoint, toolkit.RevokeTokenView):
    """POST /api/o/revoke_token/ (RFC 7009): 200 for revoked and for unknown tokens alike."""

    http_method_names = ["post", "options"]


def authenticate_confidential_client(request):
    """The confidential application whose credentials the request carries (Basic or form), or None.

    A wrong secret or unknown client_id counts as a failure of the client_id and the address
    (tokensvc/throttling.py); a locked one raises throttling.LockedOut before the secret is checked.
    """
    client_id = client_secret = None
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        if ":" not in decoded:
            return None
        client_id, client_secret = (unquote_plus(part) for part in decoded.split(":", 1))
    elif not header:
        client_id, client_secret = request.POST.get("client_id"), request.POST.get("client_secret")
    if not client_id or not client_secret or "\x00" in client_id:
        return None
    address = client_address(request)
    counters = throttling.client_counters(address, [client_id])
    throttling.refuse_if_locked(counters)
    application = get_application_model().objects.filter(client_id=client_id).first()
    if (
        application is None
        or application.client_type != application.CLIENT_CONFIDENTIAL
        or not Validator()._check_secret(client_secret, application.client_secret)
    ):
        throttling.record_failure(counters, address=address)
        return None
    return application


def _timestamp(moment) -> int:
    return int(calendar.timegm(moment.utctimetuple()))


def may_introspect(client, application_id) -> bool:
    """A client learns about the tokens issued to itself; a resource server about any token.

    Marking an application as a resource server is reserved to system administrators
    (applications/access.py). To anyone else, another client's token or a personal access
    token looks exactly like an unknown one: `{"active": false}`, never a refusal that
    would tell them it exists.
    """
    return client.is_resource_server or (application_id is not None and application_id == client.pk)


def introspect(value: str, client) -> dict:
    """RFC 7662 answer for a presented value: only live tokens the client may know of are active."""
    checksum = tokenformat.digest(value)
    token = AccessToken.objects.select_related("user", "application").filter(token_checksum=checksum).first()
    if token is not None:
        if not may_introspect(client, token.application_id):
            return {"active": False}
        if not token.is_valid() or token.user is None or not token.user.is_active:
            return {"active": False}
        answer = {
            "active": True,
            "token_type": "Bearer",
            "scope": token.scope,
            "username": token.user.get_username(),
            "exp": _timestamp(token.expires),
            "iat": _timestamp(token.created),
        }
        if token.application_id:
            answer["client_id"] = token.application.client_id
        return answer
    refresh = (
        RefreshToken.objects.select_related("user", "application", "access_token")
        .filter(token_checksum=checksum, revoked__isnull=True)
        .first()
    )
    if refresh is None or not may_introspect(client, refresh.application_id):
        return {"active": False}
    if refresh.access_token is None or refresh.user is None or not refresh.user.is_active:
        return {"active": False}
    expires = refresh.created + timedelta(seconds=server.refresh_token_lifetime())
    if expires <= timezone.now():
        return {"active": False}
    return {
        "active": True,
        "token_type": "refresh_token",
        "scope": refresh.access_token.scope,
        "username": refresh.user.get_username(),
        "client_id": refresh.application.client_id,
        "exp": _timestamp(expires),
        "iat": _timestamp(refresh.created),
    }


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectView(OAuthEndpoint):
    """POST /api/o/introspect/ (RFC 7662): confidential clients about their own tokens, resource servers about any."""

    http_method_names = ["post", "options"]

    def post(self, request):
        try:
            client = authenticate_confidential_client(request)
        except throttling.LockedOut as locked:
            return too_many_failures(locked.lockout)
        if client is None:
            return oauth_error(
                "invalid_client",
                "Client authentication failed: send a confidential application's client_id and client_secret "
                "with HTTP Basic authentication.",
                401,
                {"WWW-Authenticate": 'Basic realm="oauth2"'},
            )
        value = request.POST.get("token")
        if not value:
            return oauth_error("invalid_request", "The token parameter is missing.", 400)
        response = JsonResponse(introspect(value, client))
        response["Cache-Control"] = "no-store"
        return response


class AuthorizationView(OAuthEndpoint, toolkit.AuthorizationView):
    """GET/POST /api/o/authorize/: a logged-in browser user approves (or not) a client's request."""

    http_method_names = ["get", "post"]

    def error_response(self, error, application, **kwargs):
        redirect, details = toolkit.base.OAuthLibMixin.error_response(self, error, **kwargs)
        if redirect:
            return self.redirect(self.with_issuer(details["url"]), application)
        oauthlib_error = details["error"]
        return oauth_error(
            oauthlib_error.error, oauthlib_error.description or "Invalid request.", oauthlib_error.status_code
        )

    def with_issuer(self, url: str) -> str:
        """An error redirect naming its issuer, as the toolkit names it in successful ones (RFC 9207)."""
        if not oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS:
            return url
        parts = urlsplit(url)
        query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "iss"]
        query.append(("iss", oauth2_settings.oauth2_authorization_server_issuer(self.request)))
        return urlunsplit(parts._replace(query=urlencode(query)))

    def form_invalid(self, form):
        fields = ", ".join(sorted(form.errors)) or "the form"
        return oauth_error("invalid_request", f"Invalid authorization form: check {fields}.", 400)

    def form_valid(self, form):
        client_id = form.cleaned_data.get("client_id")
        if not get_application_model().objects.filter(client_id=client_id).exists():
            return oauth_error("invalid_client", "Unknown client_id.", 400)
        return super().form_valid(form)


class MetadataView(OAuthEndpoint, toolkit.OAuthServerMetadataView):
    """GET /.well-known/oauth-authorization-server (RFC 8414): only what the endpoints accept."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        document = json.loads(response.content)
        # The toolkit gives every endpoint the token endpoint's client authentication methods
        # and takes grant types from the settings; state what these views really accept.
        document["grant_types_supported"] = grant_types()
        document["introspection_endpoint_auth_methods_supported"] = INTROSPECTION_AUTH_METHODS
        truthful = JsonResponse(document)
        truthful["Access-Control-Allow-Origin"] = response["Access-Control-Allow-Origin"]
        return truthful
