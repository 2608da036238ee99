"""Every rule of an organization's token policy on every path that creates or changes a PAT.

Paths: POST create, PATCH renew, PATCH widen, PATCH unbind, POST rotate, and the
create_oauth2_token command. On /api/v2/ the lifetime rule is a 400 naming `expires`, the
others a 403; each message names the organization and the rule.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests import factories
from tokens.models import AccessToken, OrganizationTokenPolicy

DAY = timedelta(days=1)


def _policy(organization, **rules):
    exempt = rules.pop("exempt_users", [])
    policy = OrganizationTokenPolicy.objects.create(organization=organization, **rules)
    policy.exempt_users.set(exempt)
    return policy


def _later(days) -> str:
    return (timezone.now() + days * DAY).isoformat()


def _lifetime_refused(response, name="Default", days=30):
    assert response.status_code == 400, response.content
    (message,) = response.json()["expires"]
    assert f"Organization '{name}'" in message and "max_pat_lifetime_days" in message and f"{days} day" in message


def _refused(response, rule, name="Default"):
    assert response.status_code == 403, response.content
    message = response.json()["detail"]
    assert f"Organization '{name}'" in message and rule in message


def _run(*args) -> str:
    out = StringIO()
    call_command("create_oauth2_token", *args, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def member(org_member):
    return org_member


@pytest.fixture
def client(client_for, member):
    # The credential is created before any policy, and keeps working after one is set.
    return client_for(member)


# The lifetime ---------------------------------------------------------------------------------


def test_lifetime_on_create(client, org):
    _policy(org, max_pat_lifetime_days=30)
    for body in ({"expires": _later(31)}, {"expires": _later(31), "organization": org.pk}):
        _lifetime_refused(client.post("/api/v2/tokens/", body, format="json"))
    assert client.post("/api/v2/tokens/", {"expires": _later(29)}, format="json").status_code == 201


def test_lifetime_default_expiry_is_clamped_to_the_organization_s(client, member, org):
    _policy(org, max_pat_lifetime_days=30)
    created = client.post("/api/v2/tokens/", {}, format="json")
    assert created.status_code == 201
    expires = AccessToken.objects.get(pk=created.json()["id"]).expires
    assert timezone.now() + 29 * DAY < expires <= timezone.now() + 30 * DAY
    # The command gets the same default.
    _run("--user", member.username)
    newest = AccessToken.objects.filter(user=member).order_by("-pk").first()
    assert newest.expires <= timezone.now() + 30 * DAY


def test_lifetime_on_renew_and_existing_tokens_keep_working(client, member, org):
    token = factories.personal_token(member, expires=timezone.now() + 300 * DAY).token
    _policy(org, max_pat_lifetime_days=30)
    # Set before the policy: it still authenticates and still takes a new description.
    assert client.get("/api/v2/me/").status_code == 200
    url = f"/api/v2/tokens/{token.pk}/"
    assert client.patch(url, {"description": "still mine"}, format="json").status_code == 200
    _lifetime_refused(client.patch(url, {"expires": _later(60)}, format="json"))
    assert client.patch(url, {"expires": _later(20)}, format="json").status_code == 200


def test_lifetime_on_rotate(client, member, org):
    token = factories.personal_token(member).token
    _policy(org, max_pat_lifetime_days=30)
    url = f"/api/v2/tokens/{token.pk}/rotate/"
    _lifetime_refused(client.post(url, {"expires": _later(31)}, format="json"))
    token.refresh_from_db()
    assert token.revoked_at is None  # a refused rotation leaves the old token working
    rotated = client.post(url, {}, format="json")
    assert rotated.status_code == 201, rotated.content
    assert AccessToken.objects.get(pk=rotated.json()["id"]).expires <= timezone.now() + 30 * DAY


def test_lifetime_is_the_strictest_of_the_owner_s_organizations_for_an_unbound_pat(client_for, org, other_org):
    both = factories.user("both", member_of=[org, other_org])
    client = client_for(both)
    _policy(org, max_pat_lifetime_days=30)
    _policy(other_org, max_pat_lifetime_days=10)
    _lifetime_refused(client.post("/api/v2/tokens/", {"expires": _later(20)}, format="json"), "Other", 10)
    # Bound to one organization, only its rules apply.
    bound = client.post("/api/v2/tokens/", {"expires": _later(20), "organization": org.pk}, format="json")
    assert bound.status_code == 201
    default = client.post("/api/v2/tokens/", {}, format="json")
    assert AccessToken.objects.get(pk=default.json()["id"]).expires <= timezone.now() + 10 * DAY
    bound_default = client.post("/api/v2/tokens/", {"organization": org.pk}, format="json")
    expires = AccessToken.objects.get(pk=bound_default.json()["id"]).expires
    assert timezone.now() + 29 * DAY < expires <= timezone.now() + 30 * DAY


# Unbound PATs ---------------------------------------------------------------------------------


def test_global_on_create(client, org):
    _policy(org, restrict_global_pats=True)
    _refused(client.post("/api/v2/tokens/", {}, format="json"), "restrict_global_pats")
    _refused(client.post("/api/v2/tokens/", {"organization": None}, format="json"), "restrict_global_pats")
    assert client.post("/api/v2/tokens/", {"organization": org.pk}, format="json").status_code == 201


def test_global_on_unbind(client, member, org):
    token = factories.personal_token(member, organization=org).token
    _policy(org, restrict_global_pats=True)
    _refused(client.patch(f"/api/v2/tokens/{token.pk}/", {"organization": None}, format="json"), "restrict_global_pats")
    token.refresh_from_db()
    assert token.organization_id == org.pk


def test_global_on_renew_and_rotate_of_an_existing_unbound_pat(client, member, org):
    token = factories.personal_token(member).token
    _policy(org, restrict_global_pats=True)
    url = f"/api/v2/tokens/{token.pk}/"
    assert client.patch(url, {"description": "kept"}, format="json").status_code == 200
    # A renewal gives it a longer life (a shorter one only takes rights away).
    longer = (token.expires + DAY).isoformat()
    _refused(client.patch(url, {"expires": longer}, format="json"), "restrict_global_pats")
    _refused(client.post(f"{url}rotate/", {}, format="json"), "restrict_global_pats")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_global_on_the_command(member, org):
    _policy(org, restrict_global_pats=True)
    with pytest.raises(CommandError, match=r"Organization 'Default'.*restrict_global_pats.*globalPatPolicyViolation"):
        _run("--user", member.username)
    assert _run("--user", member.username, "--organization", "Default")
    assert AccessToken.objects.filter(user=member, organization=org).count() == 1


# Write-scoped PATs ------------------------------------------------------------------------------


def test_full_scope_on_create(client, org):
    _policy(org, restrict_full_scope_pats=True)
    for body in ({}, {"scope": "write"}, {"scope": "read write", "organization": org.pk}):
        _refused(client.post("/api/v2/tokens/", body, format="json"), "restrict_full_scope_pats")
    assert client.post("/api/v2/tokens/", {"scope": "read"}, format="json").status_code == 201


def test_full_scope_on_widen(client, member, org):
    token = factories.personal_token(member, scope="read").token
    _policy(org, restrict_full_scope_pats=True)
    url = f"/api/v2/tokens/{token.pk}/"
    _refused(client.patch(url, {"scope": "write"}, format="json"), "restrict_full_scope_pats")
    assert client.patch(url, {"scope": "read"}, format="json").status_code == 200


def test_an_existing_write_pat_may_still_be_shortened_or_described_under_the_full_scope_rule(client, member, org):
    token = factories.personal_token(member, scope="write", expires=timezone.now() + 20 * DAY).token
    _policy(org, restrict_full_scope_pats=True)
    url = f"/api/v2/tokens/{token.pk}/"
    assert client.patch(url, {"expires": _later(5)}, format="json").status_code == 200
    assert client.patch(url, {"description": "ends sooner"}, format="json").status_code == 200
    # Lengthening it again is a renewal, judged by the rule.
    _refused(client.patch(url, {"expires": _later(10)}, format="json"), "restrict_full_scope_pats")


def test_full_scope_on_rotate(client, member, org):
    token = factories.personal_token(member, scope="write").token
    _policy(org, restrict_full_scope_pats=True)
    _refused(client.post(f"/api/v2/tokens/{token.pk}/rotate/", {}, format="json"), "restrict_full_scope_pats")


def test_full_scope_on_the_command(member, org):
    _policy(org, restrict_full_scope_pats=True)
    with pytest.raises(CommandError, match=r"restrict_full_scope_pats"):
        _run("--user", member.username, "--scope", "write")
    assert _run("--user", member.username, "--scope", "read")


def test_the_command_binds_only_where_the_owner_holds_a_role(member, other_org):
    with pytest.raises(CommandError, match="holds none in organization 'Other'"):
        _run("--user", member.username, "--organization", "Other")
    with pytest.raises(CommandError, match="does not exist"):
        _run("--user", member.username, "--organization", "Nowhere")


# Exempt users, and what the policy does not govern ------------------------------------------------


def test_an_exempt_member_is_held_to_none_of_the_rules(client, member, org):
    token = factories.personal_token(member, scope="read", organization=org).token
    _policy(
        org, max_pat_lifetime_days=1, restrict_global_pats=True, restrict_full_scope_pats=True, exempt_users=[member]
    )
    assert client.post("/api/v2/tokens/", {"expires": _later(60), "scope": "write"}, format="json").status_code == 201
    url = f"/api/v2/tokens/{token.pk}/"
    assert client.patch(url, {"scope": "write", "expires": _later(60)}, format="json").status_code == 200
    assert client.patch(url, {"organization": None}, format="json").status_code == 200
    assert client.post(f"{url}rotate/", {}, format="json").status_code == 201
    assert _run("--user", member.username)


def test_application_tokens_and_other_organizations_members_are_not_governed(client, client_for, org, plain_user):
    outsider = client_for(plain_user)
    _policy(org, max_pat_lifetime_days=1, restrict_global_pats=True, restrict_full_scope_pats=True)
    app = factories.application(org)
    created = client.post(f"/api/v2/applications/{app.pk}/tokens/", {"expires": _later(0.5)}, format="json")
    assert created.status_code == 201, created.content
    assert outsider.post("/api/v2/tokens/", {"expires": _later(60)}, format="json").status_code == 201
