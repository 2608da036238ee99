"""Who may call the token admin API and its route discovery, and with which credentials, through HTTP."""

import base64

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.support.tokenadmin import ACCEPT, dialect_client, listing, pat, revocations, rules
from tokens.models import AccessToken

# (persona, expected status of: list, revocations, revocation rule, discovery)
MATRIX = [
    ("superuser", 200, 204, 204, 200),
    ("org_admin", 200, 204, 204, 200),
    ("org_member", 403, 403, 403, 200),
    ("org_auditor", 403, 403, 403, 200),
    ("system_auditor", 403, 403, 403, 200),
    ("other_org_admin", 404, 404, 404, 404),
    ("plain_user", 404, 404, 404, 404),
]


@pytest.fixture
def app(org):
    return factories.application(org, name="Admin console")


@pytest.fixture
def victim(org):
    """A member of org with one live unbound PAT, which only a successful revocation ends."""
    member = factories.user("victim", member_of=[org], email="victim@example.com")
    member.pat = pat(member, description="ci", scope="write").token
    return member


def _calls(client, org, victim):
    body = [{"authorizationId": str(victim.pat.authorization_id)}]
    return (
        client.get(listing(org, victim.username)),
        client.post(revocations(org), body, format="json"),
        client.post(rules(org), {"scopes": "write"}, format="json"),
        client.options(f"/{org.name}/_apis"),
    )


@pytest.mark.parametrize(("name", "listed", "revoked", "ruled", "discovered"), MATRIX, ids=[row[0] for row in MATRIX])
def test_role_matrix(name, listed, revoked, ruled, discovered, persona, app, org, victim):
    client = dialect_client(persona(name), app)
    statuses = tuple(response.status_code for response in _calls(client, org, victim))
    assert statuses == (listed, revoked, ruled, discovered)
    victim.pat.refresh_from_db()
    assert (victim.pat.revoked_at is not None) is (revoked == 204)


@pytest.mark.parametrize("name", ["org_member", "org_auditor", "other_org_admin", "plain_user"])
def test_refusals_carry_a_message(name, persona, app, org, victim):
    for response in _calls(dialect_client(persona(name), app), org, victim)[:3]:
        body = response.json()
        assert body["message"] and body["typeKey"]


def _credentialed(kind, user):
    client = APIClient()
    client.defaults["HTTP_ACCEPT"] = ACCEPT
    if kind == "basic":
        raw = base64.b64encode(f"{user.username}:{factories.PASSWORD}".encode()).decode()
        client.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
    elif kind == "pat":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {pat(user).value}")
    elif kind == "garbage":
        client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    return client


@pytest.mark.parametrize("kind", ["anonymous", "basic", "pat", "garbage"])
def test_anonymous_basic_and_personal_access_tokens_are_401(kind, org_admin, org, victim):
    client = _credentialed(kind, org_admin)
    responses = _calls(client, org, victim)
    assert [response.status_code for response in responses] == [401, 401, 401, 401]
    assert all(response.json()["message"] for response in responses)
    victim.pat.refresh_from_db()
    assert victim.pat.revoked_at is None


def test_a_session_is_a_strong_enough_sign_in(org_admin, org, victim):
    client = APIClient()
    client.force_login(org_admin)
    client.defaults["HTTP_ACCEPT"] = ACCEPT
    assert client.get(listing(org, victim.username)).status_code == 200


def test_a_read_scoped_admin_token_lists_but_revokes_nothing(org_admin, app, org, victim):
    client = dialect_client(org_admin, app, scope="read")
    listed, revoked, ruled, discovered = _calls(client, org, victim)
    assert (listed.status_code, discovered.status_code) == (200, 200)
    assert (revoked.status_code, ruled.status_code) == (403, 403)
    assert "write" in revoked.json()["message"]
    victim.pat.refresh_from_db()
    assert victim.pat.revoked_at is None


def test_an_admin_token_bound_to_another_organization_finds_nothing(org_admin, other_org, app, org, victim):
    factories.user("both", admin_of=[org, other_org])
    both = org_admin.__class__.objects.get(username="both")
    client = dialect_client(both, app, organization=other_org)
    assert [response.status_code for response in _calls(client, org, victim)] == [404, 404, 404, 404]


def test_an_admin_token_bound_to_the_organization_reaches_only_tokens_bound_to_it(org_admin, app, org, victim):
    bound = pat(victim, description="bound", organization=org).token
    client = dialect_client(org_admin, app, organization=org)
    listed = client.get(listing(org, victim.username)).json()["value"]
    assert [row["authorizationId"] for row in listed] == [str(bound.authorization_id)]
    body = [{"authorizationId": str(victim.pat.authorization_id)}, {"authorizationId": str(bound.authorization_id)}]
    assert client.post(revocations(org), body, format="json").status_code == 204
    assert AccessToken.objects.get(pk=bound.pk).revoked_at is not None
    assert AccessToken.objects.get(pk=victim.pat.pk).revoked_at is None


def test_api_version_is_required_except_for_discovery(org_admin, app, org, victim):
    client = dialect_client(org_admin, app)
    client.defaults["HTTP_ACCEPT"] = "application/json"
    response = client.get(listing(org, victim.username))
    assert response.status_code == 400
    assert "7.1-preview.1" in response.json()["message"]
    assert client.get(listing(org, victim.username) + "?api-version=7.1-preview.1").status_code == 200
    assert client.options(f"/{org.name}/_apis").status_code == 200


def test_discovery_lists_the_token_resources_for_any_spelling_of_the_organization(org_member, app, org):
    client = dialect_client(org_member, app)
    client.defaults["HTTP_ACCEPT"] = "application/json"
    for path in (f"/{org.name.lower()}/_apis", f"/{org.name.upper()}/_apis/"):
        for method in ("options", "get"):
            response = getattr(client, method)(path)
            assert response.status_code == 200, (path, method)
            body = response.json()
            assert body["count"] == len(body["value"]) == 4
    by_id = {location["id"]: location for location in body["value"]}
    assert by_id["af68438b-ed04-4407-9eb6-f1dbae3f922e"]["routeTemplate"] == (
        "_apis/{area}/{resource}/{subjectDescriptor}"
    )
    assert {(row["area"], row["resourceName"]) for row in body["value"]} == {
        ("tokenadmin", "personalaccesstokens"),
        ("tokenadmin", "revocations"),
        ("tokenadmin", "revocationrules"),
        ("Tokens", "Pats"),
    }
    for location in body["value"]:
        assert location["id"] == location["id"].lower()
        assert location["minVersion"] <= 7.1 <= location["maxVersion"]
        assert location["resourceVersion"] >= 1
        assert isinstance(location["releasedVersion"], str)


def test_unknown_organization_is_404(org_admin, app, org):
    client = dialect_client(org_admin, app)
    assert client.options("/nowhere/_apis").status_code == 404
    assert client.get(listing(type(org)(name="nowhere"), "x")).status_code == 404


def test_resource_names_match_case_insensitively(org_admin, app, org, victim):
    client = dialect_client(org_admin, app)
    path = f"/{org.name}/_apis/TokenAdmin/PersonalAccessTokens/{victim.username}"
    assert client.get(path).status_code == 200
