"""How a DRF view is described in the schema: its error answers, secret fields, list parameters and who may call it.

drf-spectacular reads the views and serializers; this class adds what it cannot see there:
the errors every view of the project answers in one shape (tokensvc/api/exceptions.py),
the token values shown once, the Tower links, and the public views anyone may read.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, append_meta, get_doc
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from tokensvc.api.permissions import anonymous_write_methods
from tokensvc.api.serializers import SECRET_PLACEHOLDER
from tokensvc.tokenformat import ACCESS, PERSONAL, REFRESH

_MASKED = "\\*{12}"
_VALUE = "[0-9A-Za-z]{38}"

# Fields whose value is shown only in the response that creates the object; "************" elsewhere.
SECRET_VALUE_FIELDS: dict[str, dict[str, Any]] = {
    "token": {
        "type": "string",
        "pattern": f"^({_MASKED}|(?:{PERSONAL}|{ACCESS})_{_VALUE})$",
        "description": (
            f"The token value: only in the response that creates the token (or rotates it), "
            f'"{SECRET_PLACEHOLDER}" everywhere else. Send it as `Authorization: Bearer <token>`.'
        ),
    },
    "refresh_token": {
        "type": "string",
        "nullable": True,
        "pattern": f"^({_MASKED}|{REFRESH}_{_VALUE})$",
        "description": (
            f"The refresh token value: only in the response that creates the token, "
            f'"{SECRET_PLACEHOLDER}" everywhere else; null for a personal access token.'
        ),
    },
    "client_secret": {
        "type": "string",
        "nullable": True,
        "description": (
            f"The client secret of a confidential application: only in the response that creates it, "
            f'"{SECRET_PLACEHOLDER}" everywhere else; null for a public application.'
        ),
    },
}

# The Tower conventions every object carries (tokensvc/api/serializers.py).
TOWER_FIELDS: dict[str, dict[str, Any]] = {
    "related": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": "URLs of related objects, by relation name.",
    },
    "summary_fields": {
        "type": "object",
        "additionalProperties": {},
        "description": (
            "Short descriptions of related objects (null where there is none), and `user_capabilities`: "
            "whether the requester may `edit` and `delete` this object."
        ),
    },
}


class ErrorSerializer(serializers.Serializer):
    """An error about the request as a whole; views name it for the statuses they add (e.g. a 409)."""

    detail = serializers.CharField(help_text="What went wrong.")


FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Bad input: each offending field (or query parameter) with its messages, e.g. "
        '`{"expires": ["..."]}`; `detail` for the request as a whole.'
    ),
    "additionalProperties": {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {}}, {"type": "object", "additionalProperties": {}}]
    },
}

WRITE_METHODS = ("POST", "PUT", "PATCH")
# Where the base views live: their docstrings explain the machinery, not an endpoint.
BASE_VIEW_MODULES = ("tokensvc.api.viewsets", "rest_framework.")


class AutoSchema(SpectacularAutoSchema):
    """The schema of one operation of a DRF view, with the project's conventions added."""

    # Error answers ------------------------------------------------------------------------

    def component(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        """A `$ref` to the shared component `name`, registered on first use."""
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref

    def is_public(self) -> bool:
        return bool(getattr(self.view, "access_public", False))

    def is_throttled(self) -> bool:
        """Whether a per-address rate limit (tokensvc/api/throttles.py) counts this operation."""
        if not getattr(self.view, "throttle_scope", None) or not self.view.get_throttles():
            return False
        methods = getattr(self.view, "throttle_methods", None)
        return methods is None or self.method in methods

    def error_responses(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """Status code -> (description, schema) of the errors this operation may answer."""
        error = self.resolve_serializer(ErrorSerializer(), "response").ref
        listing = self.method == "GET" and self._is_list_view()
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        if self.method in WRITE_METHODS or listing:
            found["400"] = ("Bad input, naming the field.", self.component("FieldErrors", FIELD_ERRORS))
        # Also on public views: credentials that are sent must be valid. A view that
        # authenticates nobody never answers 401.
        if self.view.get_authenticators():
            found["401"] = ("Not signed in, or the credentials are invalid, expired or revoked.", error)
        if not self.is_public():
            found["403"] = ("The requester's role or the token's scope does not allow this.", error)
        if self.is_throttled():
            found["429"] = ("Too many requests from this address; `Retry-After` says how many seconds to wait.", error)
        if "{" in self.path or listing:
            found["404"] = ("No such object among those the requester may see (or no such page).", error)
        return found

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, (description, schema) in self.error_responses().items():
            responses.setdefault(
                code, {"description": description, "content": {"application/json": {"schema": schema}}}
            )
        return responses

    def get_description(self):
        description = super().get_description()
        documented = next((cls for cls in type(self.view).__mro__ if cls.__dict__.get("__doc__")), None)
        inherited = documented is not None and documented.__module__.startswith(BASE_VIEW_MODULES)
        if inherited and description == get_doc(documented):
            return ""
        return description

    # Who may call ---------------------------------------------------------------------------

    def get_auth(self):
        auths = super().get_auth()
        # A public view answers anonymous reads, and the writes it names (tokensvc/api/permissions.py).
        anonymous = self.method == "GET" or self.method in anonymous_write_methods(self.view)
        if self.is_public() and anonymous and {} not in auths:
            auths.append({})
        return auths

    # Fields the serializers compute -----------------------------------------------------------

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.SerializerMethodField):
            name = field.field_name
            known = TOWER_FIELDS.get(name) or SECRET_VALUE_FIELDS.get(name)
            if known is not None:
                # With the field's own read-only flag, which keeps it out of request bodies, and
                # the description above, which says what the field holds when.
                meta = self._get_serializer_field_meta(field, direction)
                return append_meta(dict(known), {**meta, "description": known["description"]})
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # A blank-allowed email is "an email or empty": anyOf, since a validator that does not
        # check formats finds "" valid under both branches, which oneOf forbids.
        if schema.get("oneOf", [None])[-1] == {"type": "string", "maxLength": 0}:
            schema["anyOf"] = schema.pop("oneOf")

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if getattr(field, "refuses_null", False):
            # The field lets null through only to refuse it with its own message: it is never null.
            meta.pop("nullable", None)
        elif field.read_only and reads_nullable_column(field):
            # Declared read-only without allow_null, it still shows the column's nulls.
            meta["nullable"] = True
        return meta

    # List parameters ---------------------------------------------------------------------------

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "GET" and self._is_list_view() and getattr(self.view, "access_model", None) is not None:
            parameters.extend(list_parameters(self.view))
        return parameters


def list_parameters(view) -> list:
    """`order_by`, `search` and `status` of a list; field filters (`?name=`, `?created__lt=`) are open-ended."""
    found = [
        OpenApiParameter(
            "order_by",
            str,
            description=(
                "Fields to order by, comma-separated, `-` for descending; the fields the list shows, "
                "and of related objects those of their summary (`user__username`)."
            ),
        )
    ]
    if getattr(view, "search_fields", ()):
        found.append(OpenApiParameter("search", str, description="Text searched in " + ", ".join(view.search_fields)))
    if "status" in getattr(view, "extra_query_params", ()):
        found.append(
            OpenApiParameter(
                "status",
                str,
                enum=["active", "expired", "revoked", "all"],
                description="Which tokens by lifecycle; default `active`.",
            )
        )
    return found


def reads_nullable_column(field) -> bool:
    """Whether a serializer field shows a model field that may be null (`revoked_at`, `last_login`, ...)."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or source == "*" or "." in source:
        return False
    try:
        return bool(model._meta.get_field(source).null)
    except FieldDoesNotExist:
        return False
