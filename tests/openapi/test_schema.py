"""The OpenAPI schema: valid, generated without warnings, served as JSON and YAML, and covering every route."""

import re

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate

from tests.support.openapi import SCHEMA_URL, generated_schema

# Routes that are not operations of the API: the schema and its docs pages themselves, and
# the browsable API's HTML login and logout pages.
NOT_IN_SCHEMA = {"/api/v2/schema/", "/api/v2/docs/", "/api/v2/redoc/", "/api/login/", "/api/logout/"}
IGNORED_METHODS = {"options", "head", "trace", "connect"}


def is_web_page(callback) -> bool:
    """The server-rendered pages for people (web/) are HTML forms, not operations of the API."""
    view = getattr(callback, "view_class", callback)
    return view.__module__.startswith("web.")


@pytest.fixture
def spec():
    return generated_schema()


def test_the_schema_is_a_valid_openapi_3_document(spec):
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_generation_emits_no_warning_and_validates(tmp_path):
    # --fail-on-warn: any warning or error of the generator (an unreadable view or field) fails.
    target = tmp_path / "schema.yaml"
    call_command("spectacular", file=str(target), validate=True, fail_on_warn=True)
    assert yaml.safe_load(target.read_text())["paths"]


def test_json_by_default_and_yaml_on_request(db, spec):
    client = Client()
    default = client.get(SCHEMA_URL)
    assert default["Content-Type"].startswith("application/vnd.oai.openapi+json")
    as_json = client.get(SCHEMA_URL, HTTP_ACCEPT="application/json")
    assert as_json["Content-Type"].startswith("application/json")
    by_format = client.get(SCHEMA_URL, {"format": "yaml"})
    by_accept = client.get(SCHEMA_URL, HTTP_ACCEPT="application/yaml")
    assert by_format.status_code == by_accept.status_code == 200
    assert by_accept["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(by_format.content) == yaml.safe_load(by_accept.content) == spec


def test_anyone_may_read_the_schema_but_not_write_it(db):
    assert Client().get(SCHEMA_URL).status_code == 200
    assert Client().post(SCHEMA_URL).status_code == 401


# Every route is in the schema ----------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:[^>:]+:)?([^>]+)>")
_CASE_CLASS = re.compile(r"\[([a-z])[A-Z]\]")
_OPTIONAL_LAST_SEGMENT = re.compile(r"\(\?:/\(\?P<(\w+)>[^)]*\)\)\?")
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def as_template(route: str) -> str:
    """A route of the URL conf as an OpenAPI path template.

    `<int:pk>` is `{id}` (as drf-spectacular names primary keys); a regex's letters matched in
    any case are lower case, a tolerated trailing slash (`/?`) is left out, and an optional last
    segment is a parameter.
    """
    if route.startswith("^"):
        route = route[1:].removesuffix(r"\Z").removesuffix("$").removesuffix("/?")
        route = _CASE_CLASS.sub(r"\1", route)
        route = _OPTIONAL_LAST_SEGMENT.sub(r"/{\1}", route)
        route = _NAMED_GROUP.sub(r"{\1}", route)
        assert not re.search(r"[\\^$()\[\]?*+|]", route), f"a regex this test cannot read: {route}"
    else:
        route = _CONVERTER.sub(lambda match: "{id}" if match.group(1) == "pk" else "{" + match.group(1) + "}", route)
    return "/" + route


def walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def served_methods(callback) -> set[str]:
    """The methods a view answers with an operation of its own."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    names = set(view_class.http_method_names) - IGNORED_METHODS
    return {name for name in names if hasattr(view_class, name)}


ROUTES = sorted({(as_template(route), callback) for route, callback in walk(get_resolver().url_patterns)}, key=str)


def test_the_walk_maps_the_route_shapes():
    templates = {template for template, _ in ROUTES}
    assert {
        "/api/v2/users/{id}/tokens/",
        "/api/o/revoke-token/",
        "/.well-known/oauth-authorization-server",
        "/{organization}/_apis",
        "/{organization}/_apis/tokens/pats",
        "/{organization}/_apis/tokenadmin/personalaccesstokens/{member}",
    } <= templates


@pytest.mark.parametrize(("template", "callback"), ROUTES, ids=[template for template, _ in ROUTES])
def test_every_route_and_method_is_in_the_schema(spec, template, callback):
    if template in NOT_IN_SCHEMA or is_web_page(callback):
        return
    assert template in spec["paths"], f"{template} is not in the schema"
    documented = set(spec["paths"][template]) - IGNORED_METHODS - {"parameters"}
    assert served_methods(callback) <= documented | {"options"}, (template, served_methods(callback), documented)


def test_the_schema_documents_no_route_that_does_not_exist(spec):
    assert set(spec["paths"]) <= {template for template, _ in ROUTES}


# What the schema says ---------------------------------------------------------------------------


def test_security_schemes_and_where_they_apply(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["basicAuth"] == {**schemes["basicAuth"], "type": "http", "scheme": "basic"}
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["cookieAuth"]["in"] == "cookie"
    paths = spec["paths"]
    assert paths["/api/v2/tokens/"]["post"]["security"] == [{"bearerAuth": []}, {"basicAuth": []}, {"cookieAuth": []}]
    # Public reads are also anonymous.
    assert {} in paths["/api/v2/ping/"]["get"]["security"]
    assert {} not in paths["/api/v2/me/"]["get"]["security"]
    # The dialect refuses HTTP Basic.
    for method in ("get", "post", "put", "delete"):
        assert paths["/{organization}/_apis/tokens/pats"][method]["security"] == [
            {"bearerAuth": []},
            {"cookieAuth": []},
        ]


def test_secret_fields_are_read_only_values_or_the_mask(spec):
    schemas = spec["components"]["schemas"]
    for name in ("Token", "TokenCreate", "PersonalToken", "AuthorizedToken", "ApplicationToken"):
        token = schemas[name]["properties"]["token"]
        assert "************" in token["description"]
        assert re.fullmatch(token["pattern"], "************")
        assert not re.fullmatch(token["pattern"], "tsr_" + "a" * 38)
    assert "client_secret" in schemas["Application"]["properties"]
    # Never inputs.
    for name in ("TokenCreateRequest", "PatchedTokenRequest", "ApplicationRequest"):
        assert not {"token", "refresh_token", "client_secret"} & set(schemas[name]["properties"])


def test_oauth_endpoints_take_form_bodies(spec):
    paths = spec["paths"]
    for path in ("/api/o/token/", "/api/o/revoke_token/", "/api/o/introspect/", "/api/o/authorize/"):
        assert list(paths[path]["post"]["requestBody"]["content"]) == ["application/x-www-form-urlencoded"], path
    token_form = paths["/api/o/token/"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    assert token_form["schema"]["properties"]["grant_type"]["enum"] == [
        "authorization_code",
        "password",
        "refresh_token",
    ]


def test_dialect_operations_require_an_api_version(spec):
    operations = spec["paths"]["/{organization}/_apis/tokens/pats"]
    for operation in operations.values():
        names = {parameter["name"]: parameter for parameter in operation["parameters"]}
        assert names["api-version"]["required"] is True
        assert "7.1-preview.1" in names["api-version"]["schema"]["enum"]
    list_names = {parameter["name"] for parameter in operations["get"]["parameters"]}
    assert {"displayFilterOption", "sortByOption", "isSortAscending", "$top", "continuationToken"} <= list_names
    discovery = spec["paths"]["/{organization}/_apis"]
    assert "api-version" not in {parameter["name"] for parameter in discovery["get"]["parameters"]}
    assert discovery["options"]["responses"] == discovery["get"]["responses"]


def test_lists_document_their_query_parameters(spec):
    names = {parameter["name"]: parameter for parameter in spec["paths"]["/api/v2/tokens/"]["get"]["parameters"]}
    assert {"page", "page_size", "order_by", "search", "status"} <= set(names)
    assert set(names["status"]["schema"]["enum"]) == {"active", "expired", "revoked", "all"}
    users = {parameter["name"] for parameter in spec["paths"]["/api/v2/users/"]["get"]["parameters"]}
    assert "status" not in users and "order_by" in users
