"""Token values are recognisable offline and malformed ones never reach the database."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tokensvc import tokenformat


@pytest.mark.parametrize("prefix", tokenformat.PREFIXES)
def test_generated_values_verify_and_match_the_scanner_pattern(prefix):
    value = tokenformat.generate(prefix)
    assert value.startswith(prefix + "_")
    assert tokenformat.kind(value) == prefix
    assert re.fullmatch(tokenformat.SCANNER_PATTERN, value)
    assert re.search(tokenformat.SCANNER_PATTERN, f"export TOKEN={value}\n").group(0) == value


def test_values_carry_at_least_160_bits_of_randomness():
    bits = tokenformat.RANDOM_LENGTH * (len(tokenformat.ALPHABET).bit_length() - 1)
    assert bits >= 160
    values = {tokenformat.generate(tokenformat.PERSONAL) for _ in range(2000)}
    assert len(values) == 2000


def test_alphabet_is_url_safe():
    value = tokenformat.generate(tokenformat.ACCESS)
    assert re.fullmatch(r"[A-Za-z0-9_]+", value)


def test_a_changed_character_breaks_the_checksum():
    value = tokenformat.generate(tokenformat.PERSONAL)
    position = 10
    replacement = "A" if value[position] != "A" else "B"
    tampered = value[:position] + replacement + value[position + 1 :]
    assert tokenformat.kind(tampered) is None


@pytest.mark.parametrize(
    "value",
    ["", "tsp_", "abc_" + "A" * 38, "tsx_" + "A" * 38, "tsp_" + "A" * 37, "tsp_" + "A" * 39, "tsp_" + "!" * 38],
)
def test_malformed_values_are_rejected(value):
    assert tokenformat.kind(value) is None
    assert not tokenformat.is_acceptable(value)


def test_hint_is_the_last_four_characters():
    value = tokenformat.generate(tokenformat.PERSONAL)
    assert tokenformat.hint(value) == value[-4:]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [
        "tsp_" + "A" * 38,  # right shape, wrong checksum
        "nope_" + "A" * 38,  # unknown prefix
        "x" * 5000,  # huge
    ],
)
def test_bearer_with_bad_checksum_or_prefix_is_refused_without_a_query(client_for, value):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v2/me/")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert len(queries) == 0


@pytest.mark.django_db
def test_well_formed_unknown_value_is_refused(client_for):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokenformat.generate(tokenformat.PERSONAL)}")
    response = client.get("/api/v2/me/")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


@pytest.mark.django_db
def test_issued_values_use_the_kind_prefix(org, org_member):
    from tests import factories

    pat = factories.personal_token(org_member)
    assert tokenformat.kind(pat.value) == tokenformat.PERSONAL
    assert pat.refresh_value is None
    app_token = factories.application_token(org_member, factories.application(org))
    assert tokenformat.kind(app_token.value) == tokenformat.ACCESS
    assert tokenformat.kind(app_token.refresh_value) == tokenformat.REFRESH
    assert pat.token.token_hint == pat.value[-4:]
