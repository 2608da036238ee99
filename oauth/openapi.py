"""The OpenAPI description of /api/o/ and of the metadata document, and of how the API authenticates.

The /api/o/ endpoints are the toolkit's views, not DRF's, so the schema generator cannot read
them: their path items are written here, from the same settings the views obey (the grant
types, the scopes), with form-encoded bodies (RFC 6749), the token response (section 5.1), the
error object (section 5.2), revocation (RFC 7009), introspection (RFC 7662) and the metadata
document (RFC 8414). The authentication schemes are those of the DRF views: Bearer tokens,
HTTP Basic and the browser session (drf-spectacular's own `cookieAuth`).
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.settings import oauth2_settings

from tokensvc.tokenformat import ACCESS, PERSONAL, REFRESH

from . import views

FORM = views.FORM_CONTENT_TYPE
TAG = "oauth2"


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "oauth.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                f"`Authorization: Bearer <token>`: a personal access token (`{PERSONAL}_...`, from /api/v2/tokens/) "
                f"or an OAuth2 access token (`{ACCESS}_...`, from /api/o/token/)."
            ),
        }


class BasicScheme(OpenApiAuthenticationExtension):
    target_class = "oauth.authentication.BasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic", "description": "A local user's username and password."}


# The client of /api/o/: an application's client_id and client_secret (client_secret_basic).
CLIENT_BASIC = {
    "type": "http",
    "scheme": "basic",
    "description": "An application's client_id and client_secret (`client_secret_basic`).",
}
SESSION = {"type": "apiKey", "in": "cookie", "name": "sessionid"}

OAUTH_ERROR = {
    "type": "object",
    "description": "An OAuth 2.0 error (RFC 6749 section 5.2).",
    "properties": {
        "error": {"type": "string", "description": "The error code, e.g. `invalid_request`, `invalid_grant`."},
        "error_description": {"type": "string", "description": "What went wrong, for a person."},
    },
    "required": ["error", "error_description"],
}


def _scopes() -> list[str]:
    return list(oauth2_settings.SCOPES)


def token_response() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Tokens issued (RFC 6749 section 5.1); shown this once.",
        "properties": {
            "access_token": {"type": "string", "pattern": f"^{ACCESS}_[0-9A-Za-z]{{38}}$"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds until the access token expires."},
            "refresh_token": {"type": "string", "pattern": f"^{REFRESH}_[0-9A-Za-z]{{38}}$"},
            "scope": {"type": "string", "description": "The granted scopes, space-separated."},
        },
        "required": ["access_token", "token_type", "expires_in", "scope"],
    }


INTROSPECTION = {
    "type": "object",
    "description": (
        "RFC 7662 section 2.2. Only `active` for a token that is unknown, expired, revoked, or one the client "
        "may not learn about."
    ),
    "properties": {
        "active": {"type": "boolean"},
        "token_type": {"type": "string", "enum": ["Bearer", "refresh_token"]},
        "scope": {"type": "string"},
        "username": {"type": "string"},
        "client_id": {"type": "string"},
        "exp": {"type": "integer", "description": "Expiry, seconds since the epoch."},
        "iat": {"type": "integer", "description": "Issue time, seconds since the epoch."},
    },
    "required": ["active"],
}

METADATA = {
    "type": "object",
    "description": "Authorization server metadata (RFC 8414).",
    "properties": {
        "issuer": {"type": "string"},
        "authorization_endpoint": {"type": "string"},
        "token_endpoint": {"type": "string"},
        "revocation_endpoint": {"type": "string"},
        "introspection_endpoint": {"type": "string"},
        "response_types_supported": {"type": "array", "items": {"type": "string"}},
        "grant_types_supported": {"type": "array", "items": {"type": "string"}},
        "code_challenge_methods_supported": {"type": "array", "items": {"type": "string"}},
        "scopes_supported": {"type": "array", "items": {"type": "string"}},
        "token_endpoint_auth_methods_supported": {"type": "array", "items": {"type": "string"}},
        "revocation_endpoint_auth_methods_supported": {"type": "array", "items": {"type": "string"}},
        "introspection_endpoint_auth_methods_supported": {"type": "array", "items": {"type": "string"}},
        "client_id_metadata_document_supported": {"type": "boolean"},
        "authorization_response_iss_parameter_supported": {"type": "boolean"},
    },
    "required": ["issuer", "authorization_endpoint", "token_endpoint", "response_types_supported"],
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(description, _ref("OAuthError"))


def _locked(what: str) -> dict[str, Any]:
    """429 of the failed-authentication limits (tokensvc/throttling.py), answered before anything is checked."""
    return {
        **_error(
            f"Too many failed authentications {what} (`temporarily_unavailable`): retry after `Retry-After` seconds."
        ),
        "headers": {
            "Retry-After": {"description": "Seconds until the limit's window frees.", "schema": {"type": "integer"}}
        },
    }


def _form(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"required": True, "content": {FORM: {"schema": schema}}}


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _client_credentials() -> dict[str, Any]:
    return {
        "client_id": _string("The application's client_id, when not sent with HTTP Basic."),
        "client_secret": _string("A confidential application's client_secret (`client_secret_post`).", writeOnly=True),
    }


def _authorization_parameters() -> dict[str, Any]:
    return {
        "response_type": _string("Only `code`.", enum=list(oauth2_settings.OAUTH2_RESPONSE_TYPES_SUPPORTED)),
        "client_id": _string("The application's client_id."),
        "redirect_uri": _string("One of the application's redirect URIs, exactly."),
        "scope": _string("Space-separated: " + ", ".join(_scopes()) + "."),
        "state": _string("Returned unchanged in the redirect."),
        "code_challenge": _string("PKCE (RFC 7636): BASE64URL(SHA256(code_verifier)); required."),
        "code_challenge_method": _string("Only `S256`.", enum=["S256"]),
    }


def _authorize() -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "query", "required": name in ("response_type", "client_id"), "schema": schema}
        for name, schema in _authorization_parameters().items()
    ]
    redirect = {
        "description": (
            "To the login page when no one is signed in; else to `redirect_uri` with `code`, `state` and `iss` "
            "(or `error`)."
        ),
        "headers": {"Location": {"schema": {"type": "string"}}},
    }
    consent = {
        **_authorization_parameters(),
        "allow": _string("Present (any value) when the user approves; absent: access_denied."),
    }
    common = {"tags": [TAG], "security": [{"cookieAuth": []}, {}]}
    return {
        "get": {
            **common,
            "operationId": "oauth_authorize_retrieve",
            "summary": "Ask the signed-in user to approve a client (authorization-code flow with PKCE)",
            "parameters": parameters,
            "responses": {
                "200": {"description": "The consent page.", "content": {"text/html": {"schema": {"type": "string"}}}},
                "302": redirect,
                "400": _error("Invalid request (unknown client, bad redirect URI, missing PKCE, ...)."),
            },
        },
        "post": {
            **common,
            "operationId": "oauth_authorize_create",
            "summary": "Approve or deny a client: the consent form (with the session's CSRF token)",
            "requestBody": _form(consent, ["client_id", "redirect_uri", "response_type"]),
            "responses": {
                "302": redirect,
                "400": _error("Invalid consent form."),
                "403": _error("CSRF verification failed."),
            },
        },
    }


def _token() -> dict[str, Any]:
    properties = {
        "grant_type": _string("The grant.", enum=views.grant_types()),
        "username": _string("password grant: the user's username."),
        "password": _string("password grant: the user's password.", writeOnly=True),
        "code": _string("authorization_code grant: the code from the redirect.", writeOnly=True),
        "redirect_uri": _string("authorization_code grant: the redirect_uri of the authorization request."),
        "code_verifier": _string("authorization_code grant: the PKCE verifier.", writeOnly=True),
        "refresh_token": _string("refresh_token grant: the refresh token.", writeOnly=True),
        "scope": _string("Space-separated: " + ", ".join(_scopes()) + "; at most what the grant allows."),
        **_client_credentials(),
    }
    return {
        "post": {
            "tags": [TAG],
            "operationId": "oauth_token_create",
            "summary": "Obtain tokens: password, authorization_code (PKCE) or refresh_token grant",
            "security": [{"clientBasicAuth": []}, {}],
            "requestBody": _form(properties, ["grant_type"]),
            "responses": {
                "200": _json("The tokens.", _ref("OAuthTokenResponse")),
                "400": _error("Invalid request or grant (`invalid_request`, `invalid_grant`, `invalid_scope`, ...)."),
                "401": _error("Client authentication failed (`invalid_client`)."),
                "403": _error("The user may not obtain tokens (e.g. an external account)."),
                "429": _locked("for this client_id, username or address"),
            },
        }
    }


def _revoke(operation_id: str) -> dict[str, Any]:
    properties = {
        "token": _string("The access or refresh token to revoke.", writeOnly=True),
        "token_type_hint": _string("Which kind `token` is.", enum=["access_token", "refresh_token"]),
        **_client_credentials(),
    }
    return {
        "post": {
            "tags": [TAG],
            "operationId": operation_id,
            "summary": "Revoke a token (RFC 7009): 200 for revoked and for unknown tokens alike",
            "security": [{"clientBasicAuth": []}, {}],
            "requestBody": _form(properties, ["token"]),
            "responses": {
                "200": {"description": "Revoked, or not a token of this client: no body."},
                "400": _error("Invalid request."),
                "401": _error("Client authentication failed (`invalid_client`)."),
                "429": _locked("for this client_id or address"),
            },
        }
    }


def _introspect() -> dict[str, Any]:
    properties = {
        "token": _string("The token to ask about.", writeOnly=True),
        "token_type_hint": _string("Which kind `token` is (not needed).", enum=["access_token", "refresh_token"]),
        **_client_credentials(),
    }
    return {
        "post": {
            "tags": [TAG],
            "operationId": "oauth_introspect_create",
            "summary": "Introspect a token (RFC 7662): a confidential application about its own tokens",
            "description": (
                "An application marked `is_resource_server` learns about any token; any other confidential "
                "application only about the tokens issued to it."
            ),
            "security": [{"clientBasicAuth": []}, {}],
            "requestBody": _form(properties, ["token"]),
            "responses": {
                "200": _json("What the token is.", _ref("OAuthIntrospection")),
                "400": _error("The token parameter is missing."),
                "401": _error("Client authentication failed (`invalid_client`): a confidential application is needed."),
                "429": _locked("for this client_id or address"),
            },
        }
    }


def _root() -> dict[str, Any]:
    links = {name: {"type": "string"} for name in ("authorize", "token", "revoke_token", "introspect", "metadata")}
    schema = {"type": "object", "properties": links, "required": list(links)}
    return {
        "get": {
            "tags": [TAG],
            "operationId": "oauth_root_retrieve",
            "summary": "Where the OAuth2 endpoints are",
            "security": [{}],
            "responses": {"200": _json("Paths of the endpoints.", schema)},
        }
    }


def _metadata() -> dict[str, Any]:
    return {
        "get": {
            "tags": [TAG],
            "operationId": "oauth_authorization_server_metadata",
            "summary": "Authorization server metadata (RFC 8414)",
            "security": [{}],
            "responses": {"200": _json("What the endpoints accept.", _ref("OAuthServerMetadata"))},
        }
    }


def paths() -> dict[str, dict[str, Any]]:
    """The path items of the OAuth2 endpoints, keyed by their path (as the URL conf serves them)."""
    namespace = "oauth2_provider"
    return {
        reverse(f"{namespace}:root"): _root(),
        reverse(f"{namespace}:authorize"): _authorize(),
        reverse(f"{namespace}:token"): _token(),
        reverse(f"{namespace}:revoke-token"): _revoke("oauth_revoke_token_create"),
        reverse(f"{namespace}:revoke-token-alias"): _revoke("oauth_revoke_token_alias_create"),
        reverse(f"{namespace}:introspect"): _introspect(),
        reverse("oauth_authorization_server_metadata"): _metadata(),
    }


def add_oauth_endpoints(result, generator, request, public):
    """drf-spectacular postprocessing hook: the OAuth2 endpoints, their shapes and the client's scheme."""
    result["paths"].update(paths())
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(
        {
            "OAuthError": OAUTH_ERROR,
            "OAuthTokenResponse": token_response(),
            "OAuthIntrospection": INTROSPECTION,
            "OAuthServerMetadata": METADATA,
        }
    )
    schemes = components.setdefault("securitySchemes", {})
    schemes["clientBasicAuth"] = CLIENT_BASIC
    schemes.setdefault("cookieAuth", SESSION)
    result.setdefault("tags", [])
    result["tags"].append({"name": TAG, "description": "OAuth 2.0 endpoints: form-encoded requests, JSON answers."})
    return result
