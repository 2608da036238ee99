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


DIALECT_ERROR_KEYS = {"$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"}


def test_a_refusal_made_before_the_views_is_in_the_dialect_error_shape(pats_client, member, org):
    """Found by fuzzing: the middleware's refusals (NUL, malformed multipart) answered `{"detail": ...}` here."""
    client = pats_client(member)
    admin = pats_client(factories.user("boss", admin_of=[org]))
    refusals = [
        client.get(url(org.name, "x=%00")),
        client.post(url(org.name, "q=%00"), {"displayName": "ci"}, format="json"),
        client.delete(url(org.name, "authorizationId=%00")),
        admin.generic(
            "POST",
            f"/{org.name}/_apis/tokenadmin/revocations?api-version={VERSION}",
            b"--b\r\nnot a part",
            content_type="multipart/form-data; boundary=b",
        ),
        admin.get(f"/{org.name}/_apis/tokenadmin/personalaccesstokens/{member.username}?api-version={VERSION}&q=%00"),
    ]
    for response in refusals:
        assert response.status_code == 400, response.content
        body = response.json()
        assert set(body) == DIALECT_ERROR_KEYS, body
        assert body["typeKey"] == "InvalidArgumentValueException"
        assert body["message"]


def test_the_rest_of_the_service_keeps_its_own_refusal_shapes(client_for, member):
    assert client_for(member).get("/api/v2/me/?x=%00").json() == {
        "detail": "The query string contains a NUL character."
    }
    from django.test import Client

    assert Client().get("/api/o/?x=%00").json()["error"] == "invalid_request"
