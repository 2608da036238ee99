"""GET/PUT/PATCH /api/v2/organizations/{id}/token_policy/: who reads and writes, input, defaults, activity."""

import pytest

from activity.models import ActivityEntry
from tests import factories
from tests.support.personas import PERSONAS
from tokens.models import OrganizationTokenPolicy

DEFAULTS = {
    "max_pat_lifetime_days": None,
    "restrict_global_pats": False,
    "restrict_full_scope_pats": False,
    "exempt_users": [],
}

# (persona, method): the status on the token policy of `org`.
MATRIX = {
    #                  GET  PUT  PATCH
    "superuser":      (200, 200, 200),
    "system_auditor": (200, 403, 403),
    "org_admin":      (200, 200, 200),
    "org_member":     (200, 403, 403),
    "org_auditor":    (200, 403, 403),
    "other_org_admin": (404, 404, 404),
    "plain_user":     (404, 404, 404),
    "anonymous":      (401, 401, 401),
}  # fmt: skip
ROWS = [
    (persona_name, method, expected)
    for persona_name, answers in MATRIX.items()
    for method, expected in zip(("get", "put", "patch"), answers, strict=True)
]


def _url(organization) -> str:
    return f"/api/v2/organizations/{organization.pk}/token_policy/"


def test_the_table_answers_for_every_persona():
    assert set(MATRIX) == set(PERSONAS)


@pytest.mark.parametrize(("persona_name", "method", "expected"), ROWS, ids=[f"{p}-{m}-{e}" for p, m, e in ROWS])
def test_who_reads_and_writes(persona_name, method, expected, persona, client_for, org, org_member):
    user = persona(persona_name)
    body = {"max_pat_lifetime_days": 45, "exempt_users": [org_member.pk]}
    response = getattr(client_for(user), method)(_url(org), None if method == "get" else body, format="json")
    assert response.status_code == expected, response.content
    stored = OrganizationTokenPolicy.objects.filter(organization=org).first()
    if method != "get" and expected == 200:
        assert response.json()["max_pat_lifetime_days"] == 45
        assert response.json()["exempt_users"] == [org_member.pk]
        assert stored.max_pat_lifetime_days == 45
        # The same write with a read-scoped token: refused for want of the write scope.
        stored.delete()
        read = getattr(client_for(user, scope="read"), method)(_url(org), body, format="json")
        assert read.status_code == 403
        assert "'write' scope" in read.json()["detail"]
        assert not OrganizationTokenPolicy.objects.filter(organization=org).exists()
    elif method != "get":
        assert stored is None
    elif expected == 200:
        assert response.json() == {"organization": org.pk, "modified": None, **DEFAULTS}


def test_a_put_creates_the_policy_and_records_it(client_for, org_admin, org, org_member):
    client = client_for(org_admin)
    reader = client_for(org_member)
    created = client.put(
        _url(org),
        {"max_pat_lifetime_days": 30, "restrict_global_pats": True, "exempt_users": [org_member.pk]},
        format="json",
    )
    assert created.status_code == 200, created.content
    data = created.json()
    assert data["organization"] == org.pk and data["modified"] is not None
    assert data["restrict_full_scope_pats"] is False
    entry = ActivityEntry.objects.get(object_type="organization_token_policy")
    assert entry.operation == "create" and entry.actor == org_admin and entry.organization_id == org.pk
    assert entry.changes == {
        "max_pat_lifetime_days": [None, 30],
        "restrict_global_pats": [False, True],
        "exempt_users": [[], [org_member.pk]],
    }
    # Fields left out keep their value; a change is recorded as [old, new].
    changed = client.patch(_url(org), {"max_pat_lifetime_days": None, "exempt_users": []}, format="json")
    assert changed.status_code == 200
    assert changed.json() | {"modified": None} == {
        "organization": org.pk,
        "modified": None,
        **DEFAULTS,
        "restrict_global_pats": True,
    }
    update = ActivityEntry.objects.filter(object_type="organization_token_policy").latest("pk")
    assert update.operation == "update"
    assert update.changes == {"max_pat_lifetime_days": [30, None], "exempt_users": [[org_member.pk], []]}
    # Nothing changed, nothing recorded.
    assert client.patch(_url(org), {"restrict_global_pats": True}, format="json").status_code == 200
    assert ActivityEntry.objects.filter(object_type="organization_token_policy").count() == 2
    # The organization's members read the change in its activity stream.
    stream = reader.get("/api/v2/activity_stream/?object_type=organization_token_policy")
    assert stream.json()["count"] == 2


def test_the_organization_links_its_policy(client_for, org_member, org):
    related = client_for(org_member).get(f"/api/v2/organizations/{org.pk}/").json()["related"]
    assert related["token_policy"] == _url(org)


BAD_INPUT = [
    ({"max_pat_lifetime_days": -1}, "max_pat_lifetime_days"),
    ({"max_pat_lifetime_days": 0}, "max_pat_lifetime_days"),
    ({"max_pat_lifetime_days": 36501}, "max_pat_lifetime_days"),
    ({"max_pat_lifetime_days": 2**70}, "max_pat_lifetime_days"),
    ({"max_pat_lifetime_days": "thirty"}, "max_pat_lifetime_days"),
    ({"max_pat_lifetime_days": 1.5}, "max_pat_lifetime_days"),
    ({"max_pat_lifetime_days": True}, "max_pat_lifetime_days"),
    ({"restrict_global_pats": None}, "restrict_global_pats"),
    ({"restrict_global_pats": "maybe"}, "restrict_global_pats"),
    ({"restrict_full_scope_pats": None}, "restrict_full_scope_pats"),
    ({"exempt_users": None}, "exempt_users"),
    ({"exempt_users": "1"}, "exempt_users"),
    ({"exempt_users": [987654321]}, "exempt_users"),
    ({"exempt_users": ["x"]}, "exempt_users"),
    ({"unknown": 1}, "unknown"),
]


@pytest.mark.parametrize(
    ("body", "field"), BAD_INPUT, ids=[f"{next(iter(b))}={b[next(iter(b))]!r}" for b, _ in BAD_INPUT]
)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_bad_input_is_a_400_naming_the_field(body, field, method, client_for, org_admin, org):
    response = getattr(client_for(org_admin), method)(_url(org), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not OrganizationTokenPolicy.objects.filter(organization=org).exists()


def test_exempt_users_are_members_the_admin_can_see(client_for, org_admin, org, other_org):
    client = client_for(org_admin)
    stranger = factories.user("stranger", member_of=[other_org])
    invisible = client.patch(_url(org), {"exempt_users": [stranger.pk]}, format="json")
    assert invisible.status_code == 400
    assert invisible.json()["exempt_users"] == [f'Invalid pk "{stranger.pk}" - object does not exist.']
    # Visible (they share another organization) but holding no role in this one.
    colleague = factories.user("colleague", member_of=[other_org])
    bridge_client = client_for(factories.user("admin2", admin_of=[org], member_of=[other_org]))
    outside = bridge_client.patch(_url(org), {"exempt_users": [colleague.pk]}, format="json")
    assert outside.status_code == 400
    assert "hold no role in organization 'Default'" in outside.json()["exempt_users"][0]
    assert not OrganizationTokenPolicy.objects.filter(organization=org).exists()


def test_options_describes_the_fields_and_offers_put_to_admins_only(client_for, org_admin, org_member, org):
    admin = client_for(org_admin).options(_url(org))
    assert admin.status_code == 200
    assert set(admin.json()["actions"]["PUT"]) == set(DEFAULTS)
    member = client_for(org_member).options(_url(org))
    assert "PUT" not in member.json().get("actions", {})


def test_a_put_of_what_was_read_is_accepted(client_for, org_admin, org):
    client = client_for(org_admin)
    read = client.get(_url(org)).json()
    written = client.put(_url(org), read | {"max_pat_lifetime_days": 7}, format="json")
    assert written.status_code == 200, written.content
    assert written.json()["organization"] == org.pk and written.json()["max_pat_lifetime_days"] == 7
