"""Who may do what with tokens: persona x action x target, as a literal table.

Targets belong to `org_member`: an application token of an application of `org`, and a
personal access token. Every write that succeeds is first tried with a read-scoped token
of the same persona, which must be refused with 403.
"""

import itertools

import pytest

from tests import factories
from tests.support.personas import PERSONAS
from tokens.models import AccessToken

ACTIONS = ("list", "read", "create", "change", "delete")
TARGETS = ("app_token", "pat")

# fmt: off
MATRIX = [
    # persona            action    target       expected
    ("superuser",        "list",   "app_token", 200),
    ("superuser",        "list",   "pat",       200),
    ("superuser",        "read",   "app_token", 200),
    ("superuser",        "read",   "pat",       200),
    ("superuser",        "create", "app_token", 201),
    ("superuser",        "create", "pat",       201),
    ("superuser",        "change", "app_token", 200),
    ("superuser",        "change", "pat",       200),
    ("superuser",        "delete", "app_token", 204),
    ("superuser",        "delete", "pat",       204),

    ("system_auditor",   "list",   "app_token", 200),
    ("system_auditor",   "list",   "pat",       200),
    ("system_auditor",   "read",   "app_token", 200),
    ("system_auditor",   "read",   "pat",       200),
    ("system_auditor",   "create", "app_token", 201),
    ("system_auditor",   "create", "pat",       201),
    ("system_auditor",   "change", "app_token", 403),
    ("system_auditor",   "change", "pat",       403),
    ("system_auditor",   "delete", "app_token", 403),
    ("system_auditor",   "delete", "pat",       403),

    ("org_admin",        "list",   "app_token", 200),
    ("org_admin",        "list",   "pat",       200),
    ("org_admin",        "read",   "app_token", 200),
    ("org_admin",        "read",   "pat",       404),
    ("org_admin",        "create", "app_token", 201),
    ("org_admin",        "create", "pat",       201),
    ("org_admin",        "change", "app_token", 200),
    ("org_admin",        "change", "pat",       404),
    ("org_admin",        "delete", "app_token", 204),
    ("org_admin",        "delete", "pat",       404),

    ("org_member",       "list",   "app_token", 200),
    ("org_member",       "list",   "pat",       200),
    ("org_member",       "read",   "app_token", 200),
    ("org_member",       "read",   "pat",       200),
    ("org_member",       "create", "app_token", 201),
    ("org_member",       "create", "pat",       201),
    ("org_member",       "change", "app_token", 200),
    ("org_member",       "change", "pat",       200),
    ("org_member",       "delete", "app_token", 204),
    ("org_member",       "delete", "pat",       204),

    ("org_auditor",      "list",   "app_token", 200),
    ("org_auditor",      "list",   "pat",       200),
    ("org_auditor",      "read",   "app_token", 200),
    ("org_auditor",      "read",   "pat",       404),
    ("org_auditor",      "create", "app_token", 201),
    ("org_auditor",      "create", "pat",       201),
    ("org_auditor",      "change", "app_token", 403),
    ("org_auditor",      "change", "pat",       404),
    ("org_auditor",      "delete", "app_token", 403),
    ("org_auditor",      "delete", "pat",       404),

    ("other_org_admin",  "list",   "app_token", 200),
    ("other_org_admin",  "list",   "pat",       200),
    ("other_org_admin",  "read",   "app_token", 404),
    ("other_org_admin",  "read",   "pat",       404),
    ("other_org_admin",  "create", "app_token", 400),
    ("other_org_admin",  "create", "pat",       201),
    ("other_org_admin",  "change", "app_token", 404),
    ("other_org_admin",  "change", "pat",       404),
    ("other_org_admin",  "delete", "app_token", 404),
    ("other_org_admin",  "delete", "pat",       404),

    ("plain_user",       "list",   "app_token", 200),
    ("plain_user",       "list",   "pat",       200),
    ("plain_user",       "read",   "app_token", 404),
    ("plain_user",       "read",   "pat",       404),
    ("plain_user",       "create", "app_token", 400),
    ("plain_user",       "create", "pat",       201),
    ("plain_user",       "change", "app_token", 404),
    ("plain_user",       "change", "pat",       404),
    ("plain_user",       "delete", "app_token", 404),
    ("plain_user",       "delete", "pat",       404),

    ("anonymous",        "list",   "app_token", 401),
    ("anonymous",        "list",   "pat",       401),
    ("anonymous",        "read",   "app_token", 401),
    ("anonymous",        "read",   "pat",       401),
    ("anonymous",        "create", "app_token", 401),
    ("anonymous",        "create", "pat",       401),
    ("anonymous",        "change", "app_token", 401),
    ("anonymous",        "change", "pat",       401),
    ("anonymous",        "delete", "app_token", 401),
    ("anonymous",        "delete", "pat",       401),
]

# Whether the target appears in GET /api/v2/tokens/ for the persona.
LISTED = [
    # persona            target       listed
    ("superuser",        "app_token", True),
    ("superuser",        "pat",       True),
    ("system_auditor",   "app_token", True),
    ("system_auditor",   "pat",       True),
    ("org_admin",        "app_token", True),
    ("org_admin",        "pat",       False),
    ("org_member",       "app_token", True),
    ("org_member",       "pat",       True),
    ("org_auditor",      "app_token", True),
    ("org_auditor",      "pat",       False),
    ("other_org_admin",  "app_token", False),
    ("other_org_admin",  "pat",       False),
    ("plain_user",       "app_token", False),
    ("plain_user",       "pat",       False),
]
# fmt: on

SUCCESS = {200, 201, 204}
READ_MESSAGE = "This action requires the 'write' scope; this token has 'read'."


def test_matrix_is_complete():
    rows = [(persona, action, target) for persona, action, target, _ in MATRIX]
    assert len(rows) == len(set(rows))
    assert set(rows) == set(itertools.product(PERSONAS, ACTIONS, TARGETS))
    listed = [(persona, target) for persona, target, _ in LISTED]
    assert sorted(listed) == sorted(itertools.product([p for p in PERSONAS if p != "anonymous"], TARGETS))


@pytest.fixture
def targets(org, org_member):
    app = factories.application(org, name="Matrix app")
    return {
        "app": app,
        "app_token": factories.application_token(org_member, app, description="").token,
        "pat": factories.personal_token(org_member, description="").token,
    }


def perform(client, action, target, targets, user):
    token = targets[target]
    if action == "list":
        return client.get("/api/v2/tokens/")
    if action == "read":
        return client.get(f"/api/v2/tokens/{token.pk}/")
    if action == "create":
        if target == "app_token":
            return client.post("/api/v2/tokens/", {"application": targets["app"].pk, "scope": "read"}, format="json")
        owner = user.username if user is not None else "org_member"
        return client.post(f"/api/v2/users/{owner}/personal_tokens/", {"scope": "read"}, format="json")
    if action == "change":
        return client.patch(f"/api/v2/tokens/{token.pk}/", {"description": "changed"}, format="json")
    if action == "delete":
        return client.delete(f"/api/v2/tokens/{token.pk}/")
    raise AssertionError(action)


@pytest.mark.parametrize(
    "persona_name, action, target, expected",
    MATRIX,
    ids=[f"{p}-{a}-{t}-{e}" for p, a, t, e in MATRIX],
)
def test_token_access(client_for, persona, targets, persona_name, action, target, expected):
    user = persona(persona_name)
    if expected in SUCCESS and action not in {"list", "read"}:
        reader = client_for(user, scope="read")
        before = set(AccessToken.objects.filter(revoked_at__isnull=True).values_list("pk", "description"))
        refused = perform(reader, action, target, targets, user)
        assert refused.status_code == 403, refused.content
        assert refused.json() == {"detail": READ_MESSAGE}
        assert 'error="insufficient_scope"' in refused["WWW-Authenticate"]
        after = set(AccessToken.objects.filter(revoked_at__isnull=True).values_list("pk", "description"))
        assert after == before
    client = client_for(user)
    response = perform(client, action, target, targets, user)
    assert response.status_code == expected, response.content
    token = AccessToken.objects.get(pk=targets[target].pk)
    if action == "change":
        assert (token.description == "changed") == (expected == 200)
    if action == "delete":
        assert (token.revoked_at is not None) == (expected == 204)
    if action == "create" and expected == 201:
        created = AccessToken.objects.get(pk=response.json()["id"])
        assert created.user == user
        assert (created.application_id is None) == (target == "pat")


@pytest.mark.parametrize("persona_name, target, listed", LISTED, ids=[f"{p}-{t}-{s}" for p, t, s in LISTED])
def test_token_list_visibility_and_capabilities(client_for, persona, targets, persona_name, target, listed):
    response = client_for(persona(persona_name)).get("/api/v2/tokens/?page_size=200")
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    assert (targets[target].pk in rows) == listed
    if listed:
        expected = {
            (p, a): e for p, a, t, e in MATRIX if p == persona_name and t == target and a in {"change", "delete"}
        }
        capabilities = rows[targets[target].pk]["summary_fields"]["user_capabilities"]
        assert capabilities == {
            "edit": expected[(persona_name, "change")] == 200,
            "delete": expected[(persona_name, "delete")] == 204,
        }
