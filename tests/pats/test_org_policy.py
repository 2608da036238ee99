"""Every organization token-policy rule through the lifecycle API, on Create and on Update."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.pats.conftest import url
from tokens.models import AccessToken, OrganizationTokenPolicy


def in_days(days: float) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def refused(response, status, error, *words):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["patToken"] is None and body["patTokenError"] == error, body
    for word in words:
        assert word in body["patTokenErrorMessage"], body


@pytest.fixture
def alice(pats_client, member):
    return pats_client(member)


def create(client, org, **fields):
    body = {"displayName": "ci", "scope": "read", "validTo": in_days(5), "allOrgs": False, **fields}
    return client.post(url(org.name), body, format="json")


def update(client, org, authorization_id, **fields):
    return client.put(url(org.name), {"authorizationId": authorization_id, **fields}, format="json")


# Lifetime -------------------------------------------------------------------------------------


@pytest.fixture
def short_lived(org):
    return OrganizationTokenPolicy.objects.create(organization=org, max_pat_lifetime_days=7)


def test_lifetime_on_create(alice, org, short_lived):
    before = AccessToken.objects.count()
    refused(create(alice, org, validTo=in_days(8)), 400, "patLifespanPolicyViolation", org.name, "7 day")
    refused(create(alice, org, validTo=in_days(8), allOrgs=True), 400, "patLifespanPolicyViolation", org.name)
    assert AccessToken.objects.count() == before
    assert create(alice, org, validTo=in_days(6)).status_code == 200
    # Without validTo the default is clamped to the organization's maximum.
    made = alice.post(url(org.name), {"displayName": "default"}, format="json")
    assert made.status_code == 200, made.content
    token = AccessToken.objects.get(authorization_id=made.json()["patToken"]["authorizationId"])
    assert token.expires <= timezone.now() + timedelta(days=7)


def test_lifetime_on_renewal_while_older_pats_keep_working(alice, member, org):
    old = factories.personal_token(member, scope="read", expires=timezone.now() + timedelta(days=30)).token
    OrganizationTokenPolicy.objects.create(organization=org, max_pat_lifetime_days=7)
    old_id = str(old.authorization_id)
    # A rename is no renewal: the PAT made before the rule keeps its life.
    assert update(alice, org, old_id, displayName="renamed").status_code == 200
    refused(update(alice, org, old_id, validTo=in_days(20)), 400, "patLifespanPolicyViolation")
    assert update(alice, org, old_id, validTo=in_days(6)).status_code == 200


# Unbound PATs ---------------------------------------------------------------------------------


@pytest.fixture
def strict_elsewhere(member, other_org):
    """The member also belongs to `other_org`, which refuses unbound PATs."""
    member.memberships.create(organization=other_org, role="member")
    return OrganizationTokenPolicy.objects.create(organization=other_org, restrict_global_pats=True)


def test_global_on_create_when_any_of_the_owners_organizations_restricts(alice, org, other_org, strict_elsewhere):
    refused(create(alice, org, allOrgs=True), 403, "globalPatPolicyViolation", other_org.name)
    assert create(alice, org, allOrgs=False).status_code == 200


def test_global_on_update_unbinding(alice, org, other_org, strict_elsewhere):
    made = create(alice, org).json()["patToken"]
    refused(update(alice, org, made["authorizationId"], allOrgs=True), 403, "globalPatPolicyViolation")
    assert AccessToken.objects.get(authorization_id=made["authorizationId"]).organization == org


# Full scope -----------------------------------------------------------------------------------


@pytest.fixture
def read_only(org):
    return OrganizationTokenPolicy.objects.create(organization=org, restrict_full_scope_pats=True)


@pytest.mark.parametrize("scope", ["write", "read write", "app_token"])
@pytest.mark.parametrize("all_orgs", [False, True])
def test_full_scope_on_create(alice, org, read_only, scope, all_orgs):
    refused(create(alice, org, scope=scope, allOrgs=all_orgs), 403, "fullScopePatPolicyViolation", org.name)
    assert create(alice, org, scope="read", allOrgs=all_orgs).status_code == 200


def test_full_scope_on_widening(alice, org, read_only):
    made = create(alice, org, scope="read").json()["patToken"]
    refused(update(alice, org, made["authorizationId"], scope="app_token"), 403, "fullScopePatPolicyViolation")
    assert AccessToken.objects.get(authorization_id=made["authorizationId"]).scope == "read"


def test_full_scope_on_binding_a_write_pat(alice, member, org):
    unbound = factories.personal_token(member, scope="write").token
    OrganizationTokenPolicy.objects.create(organization=org, restrict_full_scope_pats=True)
    response = update(alice, org, str(unbound.authorization_id), allOrgs=False)
    refused(response, 403, "fullScopePatPolicyViolation")


# Exempt users ---------------------------------------------------------------------------------


def test_exempt_users_are_not_held_to_the_rules(alice, member, org, other_org):
    member.memberships.create(organization=other_org, role="member")
    rules = [
        OrganizationTokenPolicy.objects.create(
            organization=org, max_pat_lifetime_days=1, restrict_global_pats=True, restrict_full_scope_pats=True
        ),
        OrganizationTokenPolicy.objects.create(organization=other_org, restrict_global_pats=True),
    ]
    for rule in rules:
        rule.exempt_users.add(member)
    made = create(alice, org, scope="app_token", validTo=in_days(30), allOrgs=True)
    assert made.status_code == 200, made.content
    renewed = update(alice, org, made.json()["patToken"]["authorizationId"], validTo=in_days(60), allOrgs=False)
    assert renewed.status_code == 200, renewed.content


def test_a_non_exempt_member_is_held_to_the_rules(pats_client, member, org):
    rule = OrganizationTokenPolicy.objects.create(organization=org, restrict_full_scope_pats=True)
    rule.exempt_users.add(member)
    bob = factories.user("bob", member_of=[org])
    refused(create(pats_client(bob), org, scope="write"), 403, "fullScopePatPolicyViolation")
    assert create(pats_client(member), org, scope="write").status_code == 200
