"""The JSON parser refuses what later layers cannot handle: deep nesting, lone surrogates, non-finite numbers."""

import pytest

from tokensvc.limits import MAX_JSON_DEPTH
from users.models import Organization

URL = "/api/v2/organizations/"


def _post_raw(client, body: str, url=URL):
    return client.generic("POST", url, body.encode("utf-8", "surrogatepass"), content_type="application/json")


def _malformed(response, words):
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert detail.startswith("Malformed request body")
    assert words in detail
    return detail


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5000, 100_000])
def test_deep_nesting_is_400(client_for, superuser, depth):
    body = '{"name": ' + "[" * depth + "]" * depth + "}"
    _malformed(_post_raw(client_for(superuser), body), f"deeper than {MAX_JSON_DEPTH}")


def test_nesting_within_the_limit_reaches_the_fields(client_for, superuser):
    depth = MAX_JSON_DEPTH - 1
    response = _post_raw(client_for(superuser), '{"name": ' + "[" * depth + "]" * depth + "}")
    assert response.status_code == 400
    assert "name" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "a\\ud800b"}',
        '{"\\udfff": "x"}',
        '{"name": "ok", "description": ["\\ud83d"]}',
        '{"client_type": "\\ud800"}',
    ],
    ids=["value", "key", "nested", "choice"],
)
def test_lone_surrogates_are_400(client_for, superuser, body):
    _malformed(_post_raw(client_for(superuser), body), "lone surrogate")
    assert not Organization.objects.filter(name="ok").exists()


def test_a_surrogate_pair_is_ordinary_text(client_for, superuser):
    response = _post_raw(client_for(superuser), '{"name": "smile \\ud83d\\ude00"}')
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "smile \U0001f600"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_non_finite_numbers_are_400(client_for, superuser, number):
    _malformed(_post_raw(client_for(superuser), '{"application": ' + number + "}", "/api/v2/tokens/"), number)


def test_an_overflowing_application_id_is_400_not_500(client_for, org_member):
    response = _post_raw(client_for(org_member), '{"application": 1e400}', "/api/v2/tokens/")
    assert response.status_code == 400


def test_invalid_utf8_json_is_400(client_for, superuser):
    response = client_for(superuser).generic("POST", URL, b'{"name": "\xff"}', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Malformed request body")
