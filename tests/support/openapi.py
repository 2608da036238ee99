"""The served OpenAPI schema, and checking a real response against what the schema says of it."""

import json
from functools import cache

from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from openapi_schema_validator import OAS30ReadValidator, validate

SCHEMA_URL = "/api/v2/schema/"


def served_schema() -> dict:
    response = Client().get(SCHEMA_URL)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


@cache
def generated_schema() -> dict:
    """The schema the server serves (tests/openapi/test_schema.py proves it), made once per test run."""
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


def response_schema(spec: dict, method: str, path: str, status: int) -> dict:
    """The JSON schema the spec gives for `status` of `method path` (a path template of the spec)."""
    operation = spec["paths"][path][method.lower()]
    responses = operation["responses"]
    assert str(status) in responses, f"{method} {path}: {status} is not documented ({sorted(responses)})"
    content = responses[str(status)].get("content")
    assert content and "application/json" in content, f"{method} {path} {status}: no JSON body documented"
    return content["application/json"]["schema"]


def assert_conforms(spec: dict, method: str, path: str, response) -> dict:
    """The response's JSON body, after checking its status and body against the spec."""
    schema = response_schema(spec, method, path, response.status_code)
    body = json.loads(response.content)
    # The components travel with the schema, so that its `#/components/...` references resolve.
    validate(body, {**schema, "components": spec["components"]}, cls=OAS30ReadValidator)
    return body


def assert_no_body_documented(spec: dict, method: str, path: str, response) -> None:
    responses = spec["paths"][path][method.lower()]["responses"]
    assert str(response.status_code) in responses, f"{method} {path}: {response.status_code} is not documented"
    assert "content" not in responses[str(response.status_code)]
    assert response.content == b""
