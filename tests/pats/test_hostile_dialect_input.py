"""Review: hostile input to the seed-000 dialect answered with a 500 instead of a 4xx."""

from datetime import timedelta

from django.utils import timezone

from tests import factories
from tests.pats.conftest import VERSION, url

TOKENADMIN = "/{org}/_apis/tokenadmin/personalaccesstokens/{member}?api-version=" + VERSION


def test_nul_in_display_name_is_a_400_not_a_500(pats_client, member, org):
    """`displayName` is read by pats/wire.py without DRF's NUL check; PostgreSQL refuses NUL in text (500)."""
    body = {
        "displayName": "ci\x00x",
        "scope": "read",
        "validTo": (timezone.now() + timedelta(days=3)).isoformat(),
        "allOrgs": False,
    }
    response = pats_client(member).post(url(org.name), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["patTokenError"] == "invalidDisplayName"


def test_nul_in_display_name_on_update_is_a_400_not_a_500(pats_client, member, org):
    made = factories.personal_token(member, scope="read", organization=org).token
    body = {"authorizationId": str(made.authorization_id), "displayName": "\x00"}
    response = pats_client(member).put(url(org.name), body, format="json")
    assert response.status_code == 400, response.content


def test_a_huge_page_size_is_a_400_not_a_500(pats_client, org, member):
    """pats/tokenadmin_wire.py page_size: int() of more than 4300 digits raises ValueError (500)."""
    admin = factories.user("boss", admin_of=[org])
    response = pats_client(admin).get(
        TOKENADMIN.format(org=org.name, member=member.username) + "&pageSize=" + "9" * 5000
    )
    assert response.status_code == 400, response.status_code
