"""The dialect in the OpenAPI schema: its bodies, its error shapes, its api-version, and readable paths.

The views build their bodies by hand (wire.py, tokenadmin_wire.py); the serializers below
only describe those bodies for the schema and are never used to read or write one. The
schema class gives every operation of the dialect its own error shapes (errors.py) instead
of the service's `{"detail": ...}`, and the `api-version` parameter. Paths are written as
clients spell them (`/{organization}/_apis/tokens/pats`), not as the URL conf's regexes.
"""

import re
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer
from rest_framework import serializers

from tokensvc.openapi.schema import AutoSchema

from . import listing, tokenadmin_wire, versions, wire
from .errors import PatTokenError

# Bodies ------------------------------------------------------------------------------------


class PatTokenSerializer(serializers.Serializer):
    """A personal access token as the lifecycle API shows it (`PatToken`)."""

    displayName = serializers.CharField(help_text="The token's name.")
    validTo = serializers.DateTimeField(help_text="When it stops working (UTC).")
    scope = serializers.CharField(help_text="`read`, `write` or `read write`.")
    targetAccounts = serializers.ListField(
        child=serializers.UUIDField(),
        allow_null=True,
        help_text="The organization it is bound to (its uuid); null when usable in every organization.",
    )
    validFrom = serializers.DateTimeField(help_text="When it was created (UTC).")
    authorizationId = serializers.UUIDField(help_text="Its stable public id.")
    token = serializers.CharField(
        allow_null=True, help_text="The value: only in the response that creates the token, null everywhere else."
    )


class PatTokenResultSerializer(serializers.Serializer):
    """One token and no error (`PatTokenResult`)."""

    patToken = PatTokenSerializer()
    patTokenError = serializers.ChoiceField(choices=[str(PatTokenError.NONE)])


class PagedPatTokensSerializer(serializers.Serializer):
    """A page of the List operation (`PagedPatTokens`)."""

    continuationToken = serializers.CharField(
        allow_null=True, help_text="Pass back as `continuationToken` for the next page; null after the last."
    )
    patTokens = PatTokenSerializer(many=True)


class PatTokenCreateSerializer(serializers.Serializer):
    """The Create body; null stands for a field not sent."""

    displayName = serializers.CharField(max_length=wire.MAX_DISPLAY_NAME)
    scope = serializers.ChoiceField(
        choices=list(wire.ACCEPTED_SCOPES), required=False, allow_null=True, help_text=wire.SCOPE_MESSAGE
    )
    validTo = serializers.DateTimeField(
        required=False, allow_null=True, help_text="ISO 8601; default: the lifetime policy's default."
    )
    allOrgs = serializers.BooleanField(
        required=False, allow_null=True, help_text="true: usable in every organization; false (default): this one."
    )


class PatTokenUpdateSerializer(PatTokenCreateSerializer):
    """The Update body: the token by `authorizationId`, and the fields to change."""

    authorizationId = serializers.UUIDField()
    displayName = serializers.CharField(max_length=wire.MAX_DISPLAY_NAME, required=False)


class PatTokenErrorResultSerializer(serializers.Serializer):
    """A lifecycle operation's own failure: no token, and why (`patTokenError`)."""

    patToken = serializers.JSONField(allow_null=True, help_text="Always null.")
    patTokenError = serializers.ChoiceField(choices=[str(error) for error in PatTokenError if error != "none"])
    patTokenErrorMessage = serializers.CharField()


class DialectErrorSerializer(serializers.Serializer):
    """Any other failure of the dialect: `message` for people, `typeKey` for programs."""

    innerException = serializers.JSONField(allow_null=True, help_text="Always null.")
    message = serializers.CharField()
    typeName = serializers.CharField()
    typeKey = serializers.CharField()
    errorCode = serializers.IntegerField()
    eventId = serializers.IntegerField()

    def get_fields(self):
        # `$id` is not a Python name: declared here rather than as an attribute.
        return {"$id": serializers.CharField(), **super().get_fields()}


class SessionTokenSerializer(serializers.Serializer):
    """A member's personal access token as the token admin API lists it (`SessionToken`); never its value."""

    authorizationId = serializers.UUIDField()
    accessId = serializers.UUIDField()
    hostAuthorizationId = serializers.JSONField(allow_null=True)
    clientId = serializers.JSONField(allow_null=True)
    displayName = serializers.CharField()
    scope = serializers.CharField()
    targetAccounts = serializers.ListField(child=serializers.UUIDField(), allow_null=True)
    validFrom = serializers.DateTimeField()
    validTo = serializers.DateTimeField()
    isValid = serializers.BooleanField()
    isPublic = serializers.BooleanField()
    userId = serializers.CharField()
    publicData = serializers.JSONField(allow_null=True)
    claims = serializers.JSONField(allow_null=True)
    alternateToken = serializers.JSONField(allow_null=True)
    token = serializers.JSONField(allow_null=True, help_text="Always null: values are never shown here.")

    def get_fields(self):
        # `source` names an attribute of every DRF field: declared here rather than as an attribute.
        fields = super().get_fields()
        ordered = {}
        for name, field in fields.items():
            ordered[name] = field
            if name == "publicData":
                ordered["source"] = serializers.JSONField(allow_null=True)
        return ordered


class PagedSessionTokensSerializer(serializers.Serializer):
    value = SessionTokenSerializer(many=True)
    continuationToken = serializers.CharField(allow_null=True)


class RevocationSerializer(serializers.Serializer):
    authorizationId = serializers.UUIDField()


class RevocationRuleSerializer(serializers.Serializer):
    scopes = serializers.CharField(help_text="Space-separated among " + ", ".join(tokenadmin_wire.RULE_SCOPES) + ".")
    createdBefore = serializers.DateTimeField(required=False, help_text="ISO 8601; default: now.")


class ResourceLocationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    area = serializers.CharField()
    resourceName = serializers.CharField()
    routeTemplate = serializers.CharField()
    resourceVersion = serializers.IntegerField()
    minVersion = serializers.FloatField()
    maxVersion = serializers.FloatField()
    releasedVersion = serializers.CharField()


class ResourceLocationsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    value = ResourceLocationSerializer(many=True)


PAT_TOKEN_LIST_OR_GET = PolymorphicProxySerializer(
    component_name="PagedPatTokensOrPatTokenResult",
    serializers=[PagedPatTokensSerializer, PatTokenResultSerializer],
    resource_type_field_name=None,
)

# Parameters ---------------------------------------------------------------------------------

AUTHORIZATION_ID = OpenApiParameter(
    "authorizationId", str, description="The token's authorizationId (a UUID).", required=False
)
LIST_PARAMETERS = [
    AUTHORIZATION_ID,
    OpenApiParameter("displayFilterOption", str, enum=list(listing.FILTERS), description="Default `active`; any case."),
    OpenApiParameter("sortByOption", str, enum=list(listing.SORTS), description="Default `displayName`; any case."),
    OpenApiParameter("isSortAscending", str, enum=["true", "false"], description="Default `true`."),
    OpenApiParameter("$top", int, description=f"Page size, 1 to {listing.MAX_TOP} (the default)."),
    OpenApiParameter("continuationToken", str, description="From the previous page."),
]
REVOKE_PARAMETERS = [
    OpenApiParameter("authorizationId", str, description="The token's authorizationId (a UUID).", required=True)
]
IS_PUBLIC = OpenApiParameter("isPublic", str, enum=["true", "false"], description="`true`: SSH keys (there are none).")
MEMBER_TOKENS_PARAMETERS = [
    OpenApiParameter("member", str, OpenApiParameter.PATH, description="The member's username or id."),
    OpenApiParameter(
        "pageSize",
        int,
        description=f"Tokens per page; default {tokenadmin_wire.DEFAULT_PAGE_SIZE}, "
        f"at most {tokenadmin_wire.MAX_PAGE_SIZE} served.",
    ),
    OpenApiParameter("continuationToken", str, description="From the previous page."),
    IS_PUBLIC,
]


# The schema of a dialect view -------------------------------------------------------------


class DialectSchema(AutoSchema):
    """The operations of `/{organization}/_apis/`: their error shapes and the api-version parameter."""

    def error_responses(self):
        error = self._component_ref(DialectErrorSerializer)
        own = self._component_ref(PatTokenErrorResultSerializer)
        either = {"anyOf": [error, own]}
        # The lifecycle operations answer their own failures as `patTokenError` (lifecycle.py).
        pat_errors = getattr(self.view, "pat_token_errors", False)
        found = {
            "400": ("Bad input: a parameter, the body or the api-version.", either if pat_errors else error),
            "401": (
                "Not signed in, or with a credential the dialect refuses (HTTP Basic, a personal access token).",
                error,
            ),
            "403": ("Refused by the token's scope, the requester's role or an organization's policy.", own),
            "404": ("No such organization among the requester's (or no such token).", either),
        }
        if not pat_errors:
            found["403"] = (found["403"][0], error)
            found["404"] = ("No such organization among the requester's, or no such member.", error)
        if self.method == "PUT" and pat_errors:
            found["409"] = ("The token changed meanwhile; read it again and retry.", error)
        if self.method in ("POST", "PUT"):
            found["415"] = ("The body is not JSON.", error)
        return found

    def _component_ref(self, serializer_class) -> dict[str, str]:
        return self.resolve_serializer(serializer_class(), "response").ref

    def get_tags(self):
        return ["tokenadmin" if "/tokenadmin/" in self.path else "pats"]

    def get_override_parameters(self):
        parameters = [
            OpenApiParameter(
                "organization", str, OpenApiParameter.PATH, description="The organization's name (any case)."
            )
        ]
        if getattr(self.view, "requires_api_version", False):
            parameters.append(
                OpenApiParameter(
                    versions.PARAMETER,
                    str,
                    enum=list(versions.ACCEPTED),
                    required=True,
                    description=(
                        "The version of the API; instead of the query string it may come as a parameter of the "
                        "`Accept` header (`application/json;api-version=7.1-preview.1`)."
                    ),
                )
            )
        return parameters + list(super().get_override_parameters())


class BasicRefusedScheme(OpenApiAuthenticationExtension):
    """HTTP Basic is refused by the dialect (a 401), so it offers no scheme: nothing to declare."""

    target_class = "pats.base.BasicRefused"
    name: list[str] = []

    def get_security_requirement(self, auto_schema):
        return None

    def get_security_definition(self, auto_schema):
        return []


# Paths ----------------------------------------------------------------------------------------

_CASE_CLASS = re.compile(r"\[([a-z])[A-Z]\]")
_OPTIONAL_SEGMENT = re.compile(r"\(\?:/\(\?P<(\w+)>[^)]*\)\)\?")
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def path_template(path_regex: str) -> str:
    """`^(?P<organization>[^/]+)/_apis/[tT][oO]...` -> `/{organization}/_apis/to...`: as clients write it.

    Letters matched in any case are written in lower case, the tolerated trailing slash is left
    out, and an optional last segment (the member of the token admin list) is written as a
    parameter: without it that operation only answers 400.
    """
    path = path_regex.removeprefix("^").removesuffix(r"\Z").removesuffix("$").removesuffix("/?")
    path = _CASE_CLASS.sub(r"\1", path)
    path = _OPTIONAL_SEGMENT.sub(r"/{\1}", path)
    return "/" + _GROUP.sub(r"{\1}", path)


def readable_paths(endpoints: list[tuple[str, str, str, Any]]) -> list[tuple[str, str, str, Any]]:
    """drf-spectacular preprocessing hook: the dialect's paths as clients write them."""
    return [
        (path_template(regex) if "/_apis/" in regex or regex.endswith("_apis/?\\Z") else path, regex, method, callback)
        for path, regex, method, callback in endpoints
    ]


def add_discovery_options(result, generator, request, public):
    """drf-spectacular postprocessing hook: route discovery answers OPTIONS (what the clients send) as GET."""
    for item in result["paths"].values():
        operation = item.get("get")
        if operation and operation.get("operationId") == "pats_resource_locations":
            item["options"] = {**operation, "operationId": "pats_resource_locations_options"}
    return result
