"""Revoking a token leaves a tombstone that no longer authenticates."""

from tests import factories
from tokens.models import AccessToken, RefreshToken
from tokens.services import token_revoke


def test_revoked_pat_stops_authenticating(client_for, org_member):
    client = client_for(org_member)
    assert client.get("/api/v2/me/").status_code == 200
    assert token_revoke(actor=org_member, token=client.token) is True
    response = client.get("/api/v2/me/")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    row = AccessToken.objects.get(pk=client.token.pk)
    assert row.revoked_at is not None and row.revoked_by == org_member


def test_revoking_application_token_revokes_its_refresh_token(org, org_member):
    app = factories.application(org)
    issued = factories.application_token(org_member, app)
    assert token_revoke(actor=org_member, token=issued.token) is True
    assert RefreshToken.objects.get(access_token__isnull=True, user=org_member).revoked is not None
    assert AccessToken.objects.get(pk=issued.token.pk).revoked_at is not None
    assert token_revoke(actor=org_member, token=AccessToken.objects.get(pk=issued.token.pk)) is False
