"""Review: organization names that differ only in case ("Acme" and "acme" are both allowed by the model)."""

from tests import factories
from tests.pats.conftest import VERSION, url
from tokens.models import AccessToken


def test_a_path_naming_an_existing_organization_the_caller_is_not_in_is_404_not_another_org(pats_client):
    """pats/base.py find_organization falls back to a case-insensitive match among the caller's
    organizations: /acme/ (which exists, and the caller is not in) acts on "Acme"."""
    upper = factories.organization("Acme")
    factories.organization("acme")
    alice = factories.user("alice", member_of=[upper])
    response = pats_client(
        alice,
        app=factories.application(
            upper, name="web", authorization_grant_type="authorization-code", redirect_uris="https://example.com/cb"
        ),
    ).get(url("acme"))
    assert response.status_code == 404, response.content


def test_a_revocation_rule_sent_to_another_organization_by_name_does_not_revoke_in_mine(pats_client):
    """An admin of "Acme" (only) posting a revocation rule to /acme/ revokes the tokens of Acme's members."""
    upper = factories.organization("Acme")
    factories.organization("acme")
    boss = factories.user("boss", admin_of=[upper])
    bob = factories.user("bob", member_of=[upper])
    pat = factories.personal_token(bob, scope="write", organization=upper).token
    app = factories.application(
        upper, name="web", authorization_grant_type="authorization-code", redirect_uris="https://example.com/cb"
    )
    response = pats_client(boss, app=app).post(
        f"/acme/_apis/tokenadmin/revocationrules?api-version={VERSION}", {"scopes": "read"}, format="json"
    )
    assert response.status_code == 404, response.status_code
    assert AccessToken.objects.get(pk=pat.pk).revoked_at is None
