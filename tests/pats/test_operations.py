"""Get, Create, Update and Revoke on /{organization}/_apis/tokens/pats: shapes, every error value, secrets kept."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from activity.models import ActivityEntry
from tests import factories
from tests.pats.conftest import url
from tokens import services
from tokens.models import AccessToken

PAT_TOKEN_FIELDS = ["displayName", "validTo", "scope", "targetAccounts", "validFrom", "authorizationId", "token"]


def in_days(days: float) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def create(client, org, **fields):
    body = {"displayName": "ci", "scope": "read", "validTo": in_days(30), "allOrgs": False}
    body.update(fields)
    return client.post(url(org.name), body, format="json")


def me_with(value):
    return APIClient().get("/api/v2/me/", HTTP_AUTHORIZATION=f"Bearer {value}")


def assert_error(response, status, error, *words):
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["patToken", "patTokenError", "patTokenErrorMessage"]
    assert body["patToken"] is None and body["patTokenError"] == error, body
    for word in words:
        assert word in body["patTokenErrorMessage"], body


@pytest.fixture
def alice(pats_client, member):
    return pats_client(member)


# Create, Get --------------------------------------------------------------------------------


def test_create_answers_a_pat_token_result_with_the_value_once(alice, member, org):
    valid_to = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    response = create(alice, org, displayName="deploys", scope="read write", validTo=valid_to.isoformat())
    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == ["patToken", "patTokenError"] and body["patTokenError"] == "none"
    pat = body["patToken"]
    assert list(pat) == PAT_TOKEN_FIELDS
    token = AccessToken.objects.get(authorization_id=pat["authorizationId"])
    assert pat["token"] and token.token_hint == pat["token"][-4:]
    assert (token.user, token.application, token.organization, token.scope) == (member, None, org, "read write")
    assert pat["displayName"] == token.description == "deploys"
    assert pat["validTo"] == valid_to.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert datetime.fromisoformat(pat["validFrom"]) == token.created
    assert pat["targetAccounts"] == [str(org.uuid)]

    got = alice.get(url(org.name, f"authorizationId={pat['authorizationId']}"))
    assert got.status_code == 200
    assert got.json() == {"patToken": {**pat, "token": None}, "patTokenError": "none"}
    # The new PAT works wherever a PAT does.
    assert me_with(pat["token"]).status_code == 200


def test_all_orgs_creates_an_unbound_pat_without_target_accounts(alice, org):
    pat = create(alice, org, allOrgs=True).json()["patToken"]
    assert pat["targetAccounts"] is None
    assert AccessToken.objects.get(authorization_id=pat["authorizationId"]).organization is None


@pytest.mark.parametrize(
    ("sent", "stored"), [("read", "read"), ("write", "write"), ("read write", "read write"), ("app_token", "write")]
)
def test_scopes_map_to_the_service_scopes(alice, org, sent, stored):
    pat = create(alice, org, scope=sent).json()["patToken"]
    assert pat["scope"] == stored
    assert AccessToken.objects.get(authorization_id=pat["authorizationId"]).scope == stored


def test_without_scope_or_valid_to_the_policy_defaults_apply(alice, org):
    response = alice.post(url(org.name), {"displayName": "defaults"}, format="json")
    assert response.status_code == 200, response.content
    token = AccessToken.objects.get(authorization_id=response.json()["patToken"]["authorizationId"])
    assert token.scope == "write" and token.expires > timezone.now() and token.organization == org


@pytest.mark.parametrize(
    "valid_to",
    ["2031-01-31T00:00:00Z", "2031-01-31T02:00:00+02:00", "2031-01-31T00:00:00", "2031-01-31T00:00:00.0000000Z"],
)
def test_valid_to_accepts_z_offsets_and_naive_utc(alice, org, valid_to):
    pat = create(alice, org, validTo=valid_to).json()["patToken"]
    assert pat["validTo"] == "2031-01-31T00:00:00Z"


def test_the_owner_is_emailed_about_a_new_pat_without_its_value(alice, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pat = create(alice, org, displayName="nightly").json()["patToken"]
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    body = mail.outbox[0].body
    assert "nightly" in body and pat["authorizationId"] in body and f"...{pat['token'][-4:]}" in body
    assert pat["token"] not in body and pat["token"] not in mail.outbox[0].subject


# Update ---------------------------------------------------------------------------------------


@pytest.fixture
def pat(alice, org):
    return create(alice, org, displayName="old", scope="read", validTo=in_days(10)).json()["patToken"]


def update(client, org, pat, **fields):
    return client.put(url(org.name), {"authorizationId": pat["authorizationId"], **fields}, format="json")


def test_update_renames_rescopes_and_renews(alice, org, pat):
    renamed = update(alice, org, pat, displayName="new")
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["patToken"] == {**pat, "displayName": "new", "token": None}
    widened = update(alice, org, pat, scope="app_token").json()["patToken"]
    assert widened["scope"] == "write"
    renewed = update(alice, org, pat, validTo="2032-05-01T00:00:00Z").json()["patToken"]
    assert renewed["validTo"] == "2032-05-01T00:00:00Z" and renewed["displayName"] == "new"
    token = AccessToken.objects.get(authorization_id=pat["authorizationId"])
    assert (token.description, token.scope, token.expires.year) == ("new", "write", 2032)


def test_update_moves_a_pat_between_bound_and_unbound(alice, org, pat):
    assert update(alice, org, pat, allOrgs=True).json()["patToken"]["targetAccounts"] is None
    assert update(alice, org, pat, allOrgs=False).json()["patToken"]["targetAccounts"] == [str(org.uuid)]


def test_putting_back_what_was_read_changes_nothing(alice, org, pat):
    read = alice.get(url(org.name, f"authorizationId={pat['authorizationId']}")).json()["patToken"]
    response = alice.put(url(org.name), read, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["patToken"] == read


def test_an_expired_pat_is_renewed(alice, member, org):
    token = factories.personal_token(member, scope="read", description="lapsed").token
    AccessToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(days=1))
    pat = {"authorizationId": str(token.authorization_id)}
    listed = alice.get(url(org.name, "displayFilterOption=expired")).json()["patTokens"]
    assert [item["authorizationId"] for item in listed] == [pat["authorizationId"]]
    response = update(alice, org, pat, validTo=in_days(5))
    assert response.status_code == 200, response.content
    assert AccessToken.objects.active().filter(pk=token.pk).exists()


def test_a_revoked_pat_cannot_be_updated(alice, org, pat):
    assert alice.delete(url(org.name, f"authorizationId={pat['authorizationId']}")).status_code == 204
    response = update(alice, org, pat, validTo=in_days(5))
    assert_error(response, 400, "invalidAuthorizationId", "revoked")


# Revoke ---------------------------------------------------------------------------------------


def test_revoke_answers_204_with_an_empty_body_and_the_pat_stops_working(alice, org, pat):
    token = AccessToken.objects.get(authorization_id=pat["authorizationId"])
    response = alice.delete(url(org.name, f"authorizationId={pat['authorizationId']}"))
    assert response.status_code == 204 and response.content == b""
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Revoking again is the same end state; it records nothing more.
    records = ActivityEntry.objects.filter(operation="delete").count()
    assert alice.delete(url(org.name, f"authorizationId={pat['authorizationId']}")).status_code == 204
    assert ActivityEntry.objects.filter(operation="delete").count() == records
    revoked = alice.get(url(org.name, "displayFilterOption=revoked")).json()["patTokens"]
    assert [item["authorizationId"] for item in revoked] == [pat["authorizationId"]]


def test_the_rotation_recipe_get_post_delete(alice, org, member):
    old = create(alice, org, displayName="deploy key", scope="read write", validTo="2031-06-01T00:00:00Z").json()
    old_id = old["patToken"]["authorizationId"]
    metadata = alice.get(url(org.name, f"authorizationId={old_id}")).json()["patToken"]
    new = alice.post(
        url(org.name),
        {
            "displayName": metadata["displayName"],
            "scope": metadata["scope"],
            "validTo": metadata["validTo"],
            "allOrgs": metadata["targetAccounts"] is None,
        },
        format="json",
    ).json()["patToken"]
    assert alice.delete(url(org.name, f"authorizationId={old_id}")).status_code == 204
    assert {key: new[key] for key in ("displayName", "scope", "validTo", "targetAccounts")} == {
        key: metadata[key] for key in ("displayName", "scope", "validTo", "targetAccounts")
    }
    assert new["authorizationId"] != old_id
    active = alice.get(url(org.name)).json()["patTokens"]
    assert [item["authorizationId"] for item in active] == [new["authorizationId"]]
    assert me_with(old["patToken"]["token"]).status_code == 401
    assert me_with(new["token"]).status_code == 200


def test_posting_back_a_read_pat_token_creates_a_copy(alice, org, pat):
    """A script may post the metadata it read as it is: the read-only fields are ignored."""
    read = alice.get(url(org.name, f"authorizationId={pat['authorizationId']}")).json()["patToken"]
    response = alice.post(url(org.name), read, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["patToken"]["authorizationId"] != read["authorizationId"]


# Errors ---------------------------------------------------------------------------------------

LONG = "x" * 256

CREATE_ERRORS = [
    ("no display name", {"displayName": None}, "invalidDisplayName", "displayName"),
    ("blank display name", {"displayName": "  "}, "invalidDisplayName", "displayName"),
    ("display name too long", {"displayName": LONG}, "invalidDisplayName", "255"),
    ("display name not text", {"displayName": 5}, "invalidDisplayName", "displayName"),
    ("past valid to", {"validTo": "2001-01-01T00:00:00Z"}, "invalidValidTo", "future"),
    ("unparsable valid to", {"validTo": "next tuesday"}, "invalidValidTo", "ISO 8601"),
    ("impossible date", {"validTo": "2031-02-30T00:00:00Z"}, "invalidValidTo", "ISO 8601"),
    ("valid to not text", {"validTo": 1893456000}, "invalidValidTo", "ISO 8601"),
    ("unknown scope", {"scope": "admin"}, "invalidScope", "'read', 'write', 'read write' or 'app_token'"),
    ("blank scope", {"scope": ""}, "invalidScope", "app_token"),
    ("scope not text", {"scope": ["read"]}, "invalidScope", "app_token"),
    ("seed scope name", {"scope": "vso.code"}, "invalidScope", "app_token"),
]


@pytest.mark.parametrize(
    ("fields", "error", "word"), [case[1:] for case in CREATE_ERRORS], ids=[c[0] for c in CREATE_ERRORS]
)
def test_create_refuses_bad_input_with_its_error_value(alice, org, fields, error, word):
    body = {"displayName": "ci", "scope": "read", "validTo": in_days(3)}
    body.update(fields)
    before = AccessToken.objects.count()
    assert_error(alice.post(url(org.name), body, format="json"), 400, error, word)
    assert AccessToken.objects.count() == before


@pytest.mark.parametrize(
    ("fields", "error", "word"), [case[1:] for case in CREATE_ERRORS[1:]], ids=[c[0] for c in CREATE_ERRORS[1:]]
)
def test_update_refuses_bad_input_with_its_error_value(alice, org, pat, fields, error, word):
    assert_error(update(alice, org, pat, **fields), 400, error, word)
    assert alice.get(url(org.name, f"authorizationId={pat['authorizationId']}")).json()["patToken"] == {
        **pat,
        "token": None,
    }


def test_valid_to_beyond_the_system_maximum_is_invalid(alice, org, pat, settings):
    settings.PAT_MAX_LIFETIME_SECONDS = 7 * 24 * 3600
    assert_error(create(alice, org, validTo=in_days(8)), 400, "invalidValidTo", "604800")
    assert_error(update(alice, org, pat, validTo=in_days(8)), 400, "invalidValidTo", "604800")


MALFORMED_IDS = ["", "42", "not-a-uuid", "{" + "0" * 30 + "}"]


@pytest.mark.parametrize("value", [None, 42, *MALFORMED_IDS])
def test_update_with_a_missing_or_malformed_authorization_id_is_invalid(alice, org, value):
    body = {"displayName": "x"} if value is None else {"authorizationId": value, "displayName": "x"}
    assert_error(alice.put(url(org.name), body, format="json"), 400, "invalidAuthorizationId", "authorizationId")


@pytest.mark.parametrize("query", ["", *(f"authorizationId={value}" for value in MALFORMED_IDS)])
def test_revoke_without_a_well_formed_authorization_id_is_invalid(alice, org, query):
    assert_error(alice.delete(url(org.name, query)), 400, "invalidAuthorizationId", "authorizationId")


@pytest.mark.parametrize("value", MALFORMED_IDS)
def test_get_with_a_malformed_authorization_id_is_invalid(alice, org, value):
    # Without authorizationId a GET is the List operation.
    response = alice.get(url(org.name, f"authorizationId={value}"))
    assert_error(response, 400, "invalidAuthorizationId", "authorizationId")


@pytest.fixture
def strangers(member, org, other_org, web_app):
    """authorizationIds the caller must not reach: another user's PAT, an app token, a PAT bound elsewhere."""
    other = factories.user("bob", member_of=[org])
    elsewhere = factories.personal_token(member).token
    AccessToken.objects.filter(pk=elsewhere.pk).update(organization=other_org)
    return {
        "unknown": str(uuid.uuid4()),
        "another user's pat": str(factories.personal_token(other).token.authorization_id),
        "own application token": str(factories.application_token(member, web_app).token.authorization_id),
        "own pat bound to another organization": str(elsewhere.authorization_id),
    }


@pytest.mark.parametrize(
    "target", ["unknown", "another user's pat", "own application token", "own pat bound to another organization"]
)
def test_what_is_not_the_callers_pat_here_is_not_found(alice, org, strangers, target):
    authorization_id = strangers[target]
    state = ("pk", "description", "scope", "expires", "organization_id", "revoked_at")
    before = list(AccessToken.objects.order_by("pk").values(*state))
    for response in (
        alice.get(url(org.name, f"authorizationId={authorization_id}")),
        alice.put(url(org.name), {"authorizationId": authorization_id, "displayName": "mine"}, format="json"),
        alice.delete(url(org.name, f"authorizationId={authorization_id}")),
    ):
        assert_error(response, 404, "authorizationNotFound", authorization_id)
    assert list(AccessToken.objects.order_by("pk").values(*state)) == before


def test_a_superuser_manages_only_their_own_pats(pats_client, superuser, member, org):
    theirs = str(factories.personal_token(member).token.authorization_id)
    root = pats_client(superuser)
    assert_error(root.get(url(org.name, f"authorizationId={theirs}")), 404, "authorizationNotFound")
    assert_error(root.delete(url(org.name, f"authorizationId={theirs}")), 404, "authorizationNotFound")
    assert root.get(url(org.name)).json()["patTokens"] == []


def test_a_read_scoped_user_token_may_read_but_not_write(pats_client, member, org, pat):
    reader = pats_client(member, scope="read")
    assert reader.get(url(org.name)).status_code == 200
    assert_error(create(reader, org), 403, "accessDenied", "write")
    assert_error(update(reader, org, pat, displayName="x"), 403, "accessDenied", "write")
    assert_error(reader.delete(url(org.name, f"authorizationId={pat['authorizationId']}")), 403, "accessDenied")


def test_an_external_user_is_denied_by_the_access_policy(pats_client, org, settings):
    external = factories.user("ext", member_of=[org], external_account="ldap")
    assert_error(create(pats_client(external), org), 403, "accessDenied", "external authentication provider")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "detail"),
        ("text", "detail"),
        ({"displayName": "x", "owner": 1}, "owner"),
        ({"displayName": "x", "allOrgs": "yes"}, "allOrgs"),
    ],
)
def test_a_body_of_the_wrong_shape_is_a_400_naming_the_field(alice, org, body, field):
    response = alice.post(url(org.name), json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()["message"]


def test_a_form_body_is_unsupported(alice, org):
    response = alice.post(url(org.name), "displayName=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


# Values never leave the create response ----------------------------------------------------


def test_values_appear_only_in_the_create_response(alice, member, org):
    created = create(alice, org, displayName="secretive").json()["patToken"]
    value = created["token"]
    pat = {"authorizationId": created["authorizationId"]}
    bodies = [
        alice.get(url(org.name)).content,
        alice.get(url(org.name, f"authorizationId={pat['authorizationId']}")).content,
        update(alice, org, pat, displayName="renamed", validTo=in_days(2)).content,
        alice.get(url(org.name, "displayFilterOption=all")).content,
    ]
    alice.delete(url(org.name, f"authorizationId={pat['authorizationId']}"))
    bodies.append(alice.get(url(org.name, "displayFilterOption=revoked")).content)
    for body in bodies:
        assert value.encode() not in body
    records = ActivityEntry.objects.filter(
        object_id=AccessToken.objects.get(**{"authorization_id": pat["authorizationId"]}).pk
    )
    assert {record.operation for record in records} >= {"create", "update", "delete"}
    for record in records:
        assert value not in json.dumps(record.changes) and value not in record.object_repr


def test_the_authorization_id_is_the_services_public_id(alice, member, org):
    issued = services.token_issue(actor=member, user=member, description="from the service")
    listed = alice.get(url(org.name)).json()["patTokens"]
    assert [item["authorizationId"] for item in listed] == [str(issued.token.authorization_id)]
