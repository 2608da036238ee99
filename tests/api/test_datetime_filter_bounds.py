"""Datetime filter values whose UTC time falls outside years 1..9999 must be a 400, not a 500."""

import pytest
from django.test import Client

from tests import factories

CASES = [
    ("/api/v2/tokens/", "expires__gt", "9999-12-31T23:59:59-14:00"),
    ("/api/v2/tokens/", "expires__lt", "0001-01-01T00:00:00+14:00"),
    ("/api/v2/tokens/", "expires", "9999-12-31T23:00:00-01:00"),
    ("/api/v2/tokens/", "expires__in", "2030-01-01T00:00:00Z,9999-12-31T23:59:59-14:00"),
    ("/api/v2/users/", "created__gt", "9999-12-31T23:59:59.999999-14:00"),
    ("/api/v2/organizations/", "modified__lte", "0001-01-01T00:30:00+01:00"),
    ("/api/v2/applications/", "created__lt", "9999-12-31T22:00:00-02:00"),
    ("/api/v2/activity_stream/", "timestamp__gt", "9999-12-31T23:59:59-14:00"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("url", "param", "value"), CASES)
def test_out_of_range_datetime_filter_is_400_naming_the_field(superuser, org, url, param, value):
    token = factories.personal_token(superuser).value
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get(url, {param: value})
    assert response.status_code == 400, (response.status_code, response.content[:200])
    field = param.split("__")[0]
    assert field in response.json()["detail"] or ("date" in response.json()["detail"]), response.json()
