"""Ways out of an organization binding: rotating, renewing or widening tokens that are not bound."""

from datetime import timedelta

from rest_framework.test import APIClient

from tests import factories
from tokens.models import AccessToken


def _bearer(value):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def test_bound_pat_cannot_rotate_its_owners_unbound_pat_into_a_new_unbound_token(client_for, org):
    """A PAT bound to O reaches its owner's unbound PATs; rotating one mints a new *unbound* token
    whose value it receives: the bound credential now holds a credential that reaches everything."""
    alice = factories.user("alice", member_of=[org])
    unbound = factories.personal_token(alice, description="unbound").token
    bound_client = client_for(alice, organization=org)
    response = bound_client.post(f"/api/v2/tokens/{unbound.pk}/rotate/", {}, format="json")
    # Expected: refused (404 as outside O, or 403): a bound token creates only tokens bound to O.
    assert response.status_code in (403, 404), (response.status_code, response.json())
    assert not AccessToken.objects.filter(rotated_from=unbound).exists()


def test_bound_pat_cannot_rotate_an_unbound_application_token_of_its_organization(client_for, org):
    """Same through an application token of O's application (unbound, so it reaches every org)."""
    alice = factories.user("alice", member_of=[org])
    app = factories.application(org)
    app_token = factories.application_token(alice, app).token
    bound_client = client_for(alice, organization=org)
    response = bound_client.post(f"/api/v2/tokens/{app_token.pk}/rotate/", {}, format="json")
    assert response.status_code in (403, 404), (response.status_code, response.json())


def test_bound_pat_cannot_renew_or_widen_its_owners_unbound_pat_but_may_describe_it(client_for, org):
    alice = factories.user("alice", member_of=[org])
    unbound = factories.personal_token(alice, scope="read", description="unbound").token
    bound_client = client_for(alice, organization=org)
    widen = bound_client.patch(f"/api/v2/tokens/{unbound.pk}/", {"scope": "write"}, format="json")
    assert widen.status_code == 403, widen.json()
    later = (unbound.expires + timedelta(days=1)).isoformat()
    renew = bound_client.patch(f"/api/v2/tokens/{unbound.pk}/", {"expires": later}, format="json")
    assert renew.status_code == 403, renew.json()
    unbound.refresh_from_db()
    assert unbound.scope == "read"
    described = bound_client.patch(f"/api/v2/tokens/{unbound.pk}/", {"description": "renamed"}, format="json")
    assert described.status_code == 200, described.json()


def test_bound_pat_rotates_tokens_bound_to_its_organization(client_for, org):
    alice = factories.user("alice", member_of=[org])
    bound = factories.personal_token(alice, description="bound", organization=org).token
    response = client_for(alice, organization=org).post(f"/api/v2/tokens/{bound.pk}/rotate/", {}, format="json")
    assert response.status_code == 201, response.json()
    assert AccessToken.objects.get(rotated_from=bound).organization_id == org.pk
