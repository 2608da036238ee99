"""Listing a member's personal access tokens through the token admin API: what is listed, and paging."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tests.support.tokenadmin import dialect_client, listing, pat
from tokens.models import AccessToken
from tokens.services import token_revoke

SESSION_TOKEN_FIELDS = {
    "accessId",
    "alternateToken",
    "authorizationId",
    "claims",
    "clientId",
    "displayName",
    "hostAuthorizationId",
    "isPublic",
    "isValid",
    "publicData",
    "scope",
    "source",
    "targetAccounts",
    "token",
    "userId",
    "validFrom",
    "validTo",
}


@pytest.fixture
def app(org):
    return factories.application(org, name="Admin console")


@pytest.fixture
def admin(org_admin, app):
    return dialect_client(org_admin, app)


@pytest.fixture
def member(org, other_org):
    return factories.user("member", member_of=[org, other_org], email="member@example.com")


def _ids(response):
    return [row["authorizationId"] for row in response.json()["value"]]


def test_lists_the_members_pats_usable_in_the_organization(admin, org, other_org, member, app):
    unbound = pat(member, description="unbound", scope="read").token
    bound = pat(member, description="bound", organization=org).token
    pat(member, description="elsewhere", organization=other_org)
    factories.application_token(member, app)
    revoked = pat(member, description="revoked").token
    token_revoke(actor=member, token=revoked)
    expired = pat(member, description="expired").token
    AccessToken.objects.filter(pk=expired.pk).update(expires=timezone.now() - timedelta(days=1))
    pat(factories.user("someone", member_of=[org]), description="another member's")

    response = admin.get(listing(org, member.username))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["continuationToken"] is None
    rows = {row["displayName"]: row for row in body["value"]}
    assert set(rows) == {"unbound", "bound", "expired"}
    for row in rows.values():
        assert set(row) == SESSION_TOKEN_FIELDS
        assert row["token"] is None and row["alternateToken"] is None
        assert row["isPublic"] is False
        assert row["userId"] == str(member.pk)
        assert row["validFrom"].endswith("Z") and row["validTo"].endswith("Z")
    assert rows["unbound"]["authorizationId"] == str(unbound.authorization_id)
    assert rows["unbound"]["targetAccounts"] is None
    assert rows["unbound"]["scope"] == "read"
    assert rows["unbound"]["isValid"] is True
    assert rows["bound"]["targetAccounts"] == [str(org.uuid)]
    assert rows["bound"]["authorizationId"] == str(bound.authorization_id)
    assert rows["expired"]["isValid"] is False


def test_no_value_is_ever_listed(admin, org, member):
    issued = pat(member, description="secret")
    assert issued.value not in admin.get(listing(org, member.username)).content.decode()


def test_the_member_is_named_by_username_or_id(admin, org, member):
    token = pat(member).token
    assert _ids(admin.get(listing(org, member.username))) == [str(token.authorization_id)]
    assert _ids(admin.get(listing(org, member.pk))) == [str(token.authorization_id)]


@pytest.mark.parametrize("name", ["nobody", "987654321", "outsider", "other_member"])
def test_a_user_who_is_not_a_member_is_404(admin, org, other_org, name):
    outsider = factories.user("outsider")
    pat(outsider)
    factories.user("other_member", member_of=[other_org])
    response = admin.get(listing(org, name))
    assert response.status_code == 404
    assert "not a member" in response.json()["message"]
    assert outsider.username == "outsider"


def test_a_missing_member_is_400(admin, org):
    response = admin.get(f"/{org.name}/_apis/tokenadmin/personalaccesstokens")
    assert response.status_code == 400
    assert "subjectDescriptor" in response.json()["message"]


def test_public_keys_are_asked_for_and_there_are_none(admin, org, member):
    pat(member)
    body = admin.get(listing(org, member.username) + "?isPublic=true").json()
    assert body == {"value": [], "continuationToken": None}
    assert len(admin.get(listing(org, member.username) + "?isPublic=false").json()["value"]) == 1


def test_paging_walks_every_token_once_while_tokens_are_created(admin, org, member):
    before = [pat(member, description=f"t{index}").token for index in range(7)]
    seen, added, token, pages = [], [], None, 0
    while True:
        query = "?pageSize=3" + (f"&continuationToken={token}" if token else "")
        response = admin.get(listing(org, member.username) + query)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["value"]) <= 3
        seen += _ids(response)
        pages += 1
        # Someone creates a token between the pages.
        added.append(pat(member, description=f"new{pages}").token)
        token = body["continuationToken"]
        if token is None:
            break
        assert pages < 20
    assert len(seen) == len(set(seen))
    assert {str(token.authorization_id) for token in before} <= set(seen)
    assert set(seen) <= {str(token.authorization_id) for token in before + added}


def test_a_continuation_token_works_only_for_its_own_list(admin, org, member):
    for index in range(3):
        pat(member, description=f"t{index}")
    token = admin.get(listing(org, member.username) + "?pageSize=1").json()["continuationToken"]
    assert token
    other = factories.user("other", member_of=[org])
    for path in (listing(org, other.username), listing(org, member.username)):
        for value in (token, token[:-2] + "xx", "garbage", ""):
            if value == token and path == listing(org, member.username):
                continue
            response = admin.get(path, {"continuationToken": value})
            assert response.status_code == 400, (path, value)
            assert "continuationToken" in response.json()["message"]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "١"])
def test_a_bad_page_size_is_400(admin, org, member, value):
    response = admin.get(listing(org, member.username), {"pageSize": value})
    assert response.status_code == 400
    assert "pageSize" in response.json()["message"]


def test_a_large_page_size_is_served_at_the_maximum(admin, org, member):
    pat(member)
    assert admin.get(listing(org, member.username), {"pageSize": "100000"}).status_code == 200


def test_a_bad_is_public_is_400(admin, org, member):
    response = admin.get(listing(org, member.username), {"isPublic": "maybe"})
    assert response.status_code == 400
    assert "isPublic" in response.json()["message"]


def test_the_list_costs_the_same_queries_for_2_tokens_as_for_50(admin, org, member):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = admin.get(listing(org, member.username))
        assert response.status_code == 200
        return len(response.json()["value"]), len(queries)

    for index in range(2):
        pat(member, description=f"t{index}")
    count()  # the first use of the admin's token also records when it was used
    rows, few = count()
    for index in range(48):
        pat(member, description=f"u{index}")
    assert count() == (50, few)
    assert rows == 2
