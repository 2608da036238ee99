"""The organization binding in the access core: every policy states it, and tokens keep it when renewed."""

from django.test import Client

from tests import factories
from tests.support.oauth import app_with_secret, bearer, password_grant, refresh_grant
from tokens import services
from tokens.models import AccessToken
from tokensvc.access import Actor, BaseAccess, check, registered, visible
from tokensvc.access.core import BOUND_ADD_MESSAGE
from users.models import Membership, Organization, User
from users.roles import Role


def test_every_policy_says_what_a_bound_token_reaches():
    missing = [policy.__name__ for policy in registered().values() if policy.bound is BaseAccess.bound]
    assert missing == []


def test_a_bound_token_is_read_from_the_credential_row_without_a_query(org, org_member, django_assert_num_queries):
    token = services.token_issue(actor=org_member, user=org_member, organization=org).token
    with django_assert_num_queries(0):
        assert Actor(org_member, token).bound_organization_id == org.pk
    assert Actor(org_member, None).bound_organization_id is None


def test_creating_is_refused_by_default_for_a_bound_token(org, superuser):
    token = services.token_issue(actor=superuser, user=superuser, organization=org).token
    actor = Actor(superuser, token)
    decision = check(actor, "add", User, data={"username": "someone"})
    assert not decision and decision.reason == BOUND_ADD_MESSAGE
    assert not check(actor, "add", Organization, data={"name": "Elsewhere"})
    # Unbound, the same superuser may.
    assert check(Actor(superuser, None), "add", Organization, data={"name": "Elsewhere"})


def test_visible_is_narrowed_for_every_policy_but_not_for_the_unbound(org, other_org, superuser):
    bound = Actor(superuser, services.token_issue(actor=superuser, user=superuser, organization=org).token)
    assert list(visible(bound, Organization)) == [org]
    assert set(visible(Actor(superuser, None), Organization)) == {org, other_org}


def test_a_refreshed_token_stays_bound(org, other_org, org_member):
    Membership.objects.create(user=org_member, organization=other_org, role=Role.MEMBER)
    app, secret = app_with_secret(org)
    first = password_grant(app, secret, org_member).json()
    AccessToken.objects.filter(user=org_member).update(organization=org)
    second = refresh_grant(app, secret, first["refresh_token"]).json()
    renewed = AccessToken.objects.get(user=org_member, revoked_at__isnull=True)
    assert renewed.organization_id == org.pk
    # And it reaches only its organization.
    listed = Client().get("/api/v2/organizations/", **bearer(second["access_token"])).json()
    assert [item["id"] for item in listed["results"]] == [org.pk]
    unbound = password_grant(app, secret, org_member).json()["access_token"]
    listed = Client().get("/api/v2/organizations/", **bearer(unbound)).json()
    assert {item["id"] for item in listed["results"]} == {org.pk, other_org.pk}


def test_a_rotated_token_stays_bound(org, org_member):
    token = services.token_issue(actor=org_member, user=org_member, organization=org).token
    rotated = services.token_rotate(actor=org_member, token=token).token
    assert rotated.organization_id == org.pk
    assert rotated.authorization_id != token.authorization_id


def test_every_token_gets_its_own_authorization_id(org_member):
    tokens = [factories.personal_token(org_member).token for _ in range(3)]
    assert len({token.authorization_id for token in tokens}) == 3
