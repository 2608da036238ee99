"""Who may do what to users and organizations, as one literal table exercised over HTTP."""

import pytest

from tests import factories
from tokensvc.access import registered
from users.models import Membership, Organization, User

# (persona, action, target, expected_status)
#
# Targets: "users" / "organizations" are the lists; "self" is the persona's own account;
# "colleague" is a member of `org`; "stranger" belongs to no organization; "org" and
# "other_org" are organizations; "org/users", "org/admins", "org/auditors" are the
# association endpoints of `org`; "colleague/organizations" is a user's organization list.
MATRIX = [
    # Users: list
    ("superuser", "list", "users", 200),
    ("system_auditor", "list", "users", 200),
    ("org_admin", "list", "users", 200),
    ("org_member", "list", "users", 200),
    ("org_auditor", "list", "users", 200),
    ("other_org_admin", "list", "users", 200),
    ("plain_user", "list", "users", 200),
    ("anonymous", "list", "users", 401),
    # Users: read
    ("superuser", "read", "self", 200),
    ("system_auditor", "read", "self", 200),
    ("org_admin", "read", "self", 200),
    ("org_member", "read", "self", 200),
    ("org_auditor", "read", "self", 200),
    ("other_org_admin", "read", "self", 200),
    ("plain_user", "read", "self", 200),
    ("superuser", "read", "colleague", 200),
    ("system_auditor", "read", "colleague", 200),
    ("org_admin", "read", "colleague", 200),
    ("org_member", "read", "colleague", 200),
    ("org_auditor", "read", "colleague", 200),
    ("other_org_admin", "read", "colleague", 404),
    ("plain_user", "read", "colleague", 404),
    ("anonymous", "read", "colleague", 401),
    ("superuser", "read", "stranger", 200),
    ("system_auditor", "read", "stranger", 200),
    ("org_admin", "read", "stranger", 404),
    ("org_member", "read", "stranger", 404),
    ("org_auditor", "read", "stranger", 404),
    ("other_org_admin", "read", "stranger", 404),
    ("plain_user", "read", "stranger", 404),
    ("anonymous", "read", "stranger", 401),
    # Users: create
    ("superuser", "create", "users", 201),
    ("system_auditor", "create", "users", 403),
    ("org_admin", "create", "users", 403),
    ("org_member", "create", "users", 403),
    ("org_auditor", "create", "users", 403),
    ("other_org_admin", "create", "users", 403),
    ("plain_user", "create", "users", 403),
    ("anonymous", "create", "users", 401),
    # Users: change (names, email and password of your own account only)
    ("superuser", "change", "self", 200),
    ("system_auditor", "change", "self", 200),
    ("org_admin", "change", "self", 200),
    ("org_member", "change", "self", 200),
    ("org_auditor", "change", "self", 200),
    ("other_org_admin", "change", "self", 200),
    ("plain_user", "change", "self", 200),
    ("superuser", "change", "colleague", 200),
    ("system_auditor", "change", "colleague", 403),
    ("org_admin", "change", "colleague", 403),
    ("org_member", "change", "colleague", 403),
    ("org_auditor", "change", "colleague", 403),
    ("other_org_admin", "change", "colleague", 404),
    ("plain_user", "change", "colleague", 404),
    ("anonymous", "change", "colleague", 401),
    ("superuser", "change", "stranger", 200),
    ("system_auditor", "change", "stranger", 403),
    ("org_admin", "change", "stranger", 404),
    ("org_member", "change", "stranger", 404),
    ("org_auditor", "change", "stranger", 404),
    ("other_org_admin", "change", "stranger", 404),
    ("plain_user", "change", "stranger", 404),
    ("anonymous", "change", "stranger", 401),
    # Users: delete (nobody deletes their own account)
    ("superuser", "delete", "self", 403),
    ("system_auditor", "delete", "self", 403),
    ("org_admin", "delete", "self", 403),
    ("org_member", "delete", "self", 403),
    ("org_auditor", "delete", "self", 403),
    ("other_org_admin", "delete", "self", 403),
    ("plain_user", "delete", "self", 403),
    ("superuser", "delete", "colleague", 204),
    ("system_auditor", "delete", "colleague", 403),
    ("org_admin", "delete", "colleague", 403),
    ("org_member", "delete", "colleague", 403),
    ("org_auditor", "delete", "colleague", 403),
    ("other_org_admin", "delete", "colleague", 404),
    ("plain_user", "delete", "colleague", 404),
    ("anonymous", "delete", "colleague", 401),
    ("superuser", "delete", "stranger", 204),
    ("system_auditor", "delete", "stranger", 403),
    ("org_admin", "delete", "stranger", 404),
    ("org_member", "delete", "stranger", 404),
    ("org_auditor", "delete", "stranger", 404),
    ("other_org_admin", "delete", "stranger", 404),
    ("plain_user", "delete", "stranger", 404),
    ("anonymous", "delete", "stranger", 401),
    # Users: the organizations of a user
    ("superuser", "list", "colleague/organizations", 200),
    ("system_auditor", "list", "colleague/organizations", 200),
    ("org_admin", "list", "colleague/organizations", 200),
    ("org_member", "list", "colleague/organizations", 200),
    ("org_auditor", "list", "colleague/organizations", 200),
    ("other_org_admin", "list", "colleague/organizations", 404),
    ("plain_user", "list", "colleague/organizations", 404),
    ("anonymous", "list", "colleague/organizations", 401),
    # Organizations: list
    ("superuser", "list", "organizations", 200),
    ("system_auditor", "list", "organizations", 200),
    ("org_admin", "list", "organizations", 200),
    ("org_member", "list", "organizations", 200),
    ("org_auditor", "list", "organizations", 200),
    ("other_org_admin", "list", "organizations", 200),
    ("plain_user", "list", "organizations", 200),
    ("anonymous", "list", "organizations", 401),
    # Organizations: read
    ("superuser", "read", "org", 200),
    ("system_auditor", "read", "org", 200),
    ("org_admin", "read", "org", 200),
    ("org_member", "read", "org", 200),
    ("org_auditor", "read", "org", 200),
    ("other_org_admin", "read", "org", 404),
    ("plain_user", "read", "org", 404),
    ("anonymous", "read", "org", 401),
    ("superuser", "read", "other_org", 200),
    ("system_auditor", "read", "other_org", 200),
    ("org_admin", "read", "other_org", 404),
    ("org_member", "read", "other_org", 404),
    ("org_auditor", "read", "other_org", 404),
    ("other_org_admin", "read", "other_org", 200),
    ("plain_user", "read", "other_org", 404),
    ("anonymous", "read", "other_org", 401),
    # Organizations: create
    ("superuser", "create", "organizations", 201),
    ("system_auditor", "create", "organizations", 403),
    ("org_admin", "create", "organizations", 403),
    ("org_member", "create", "organizations", 403),
    ("org_auditor", "create", "organizations", 403),
    ("other_org_admin", "create", "organizations", 403),
    ("plain_user", "create", "organizations", 403),
    ("anonymous", "create", "organizations", 401),
    # Organizations: change
    ("superuser", "change", "org", 200),
    ("system_auditor", "change", "org", 403),
    ("org_admin", "change", "org", 200),
    ("org_member", "change", "org", 403),
    ("org_auditor", "change", "org", 403),
    ("other_org_admin", "change", "org", 404),
    ("plain_user", "change", "org", 404),
    ("anonymous", "change", "org", 401),
    # Organizations: delete
    ("superuser", "delete", "org", 204),
    ("system_auditor", "delete", "org", 403),
    ("org_admin", "delete", "org", 403),
    ("org_member", "delete", "org", 403),
    ("org_auditor", "delete", "org", 403),
    ("other_org_admin", "delete", "org", 404),
    ("plain_user", "delete", "org", 404),
    ("anonymous", "delete", "org", 401),
    # Organizations: role lists
    ("superuser", "list", "org/users", 200),
    ("system_auditor", "list", "org/users", 200),
    ("org_admin", "list", "org/users", 200),
    ("org_member", "list", "org/users", 200),
    ("org_auditor", "list", "org/users", 200),
    ("other_org_admin", "list", "org/users", 404),
    ("plain_user", "list", "org/users", 404),
    ("anonymous", "list", "org/users", 401),
    ("superuser", "list", "org/admins", 200),
    ("system_auditor", "list", "org/admins", 200),
    ("org_admin", "list", "org/admins", 200),
    ("org_member", "list", "org/admins", 200),
    ("org_auditor", "list", "org/admins", 200),
    ("other_org_admin", "list", "org/admins", 404),
    ("plain_user", "list", "org/admins", 404),
    ("anonymous", "list", "org/admins", 401),
    ("superuser", "list", "org/auditors", 200),
    ("system_auditor", "list", "org/auditors", 200),
    ("org_admin", "list", "org/auditors", 200),
    ("org_member", "list", "org/auditors", 200),
    ("org_auditor", "list", "org/auditors", 200),
    ("other_org_admin", "list", "org/auditors", 404),
    ("plain_user", "list", "org/auditors", 404),
    ("anonymous", "list", "org/auditors", 401),
    # Organizations: associate a user with a role
    ("superuser", "associate", "org/users", 204),
    ("system_auditor", "associate", "org/users", 403),
    ("org_admin", "associate", "org/users", 204),
    ("org_member", "associate", "org/users", 403),
    ("org_auditor", "associate", "org/users", 403),
    ("other_org_admin", "associate", "org/users", 404),
    ("plain_user", "associate", "org/users", 404),
    ("anonymous", "associate", "org/users", 401),
    ("superuser", "associate", "org/admins", 204),
    ("system_auditor", "associate", "org/admins", 403),
    ("org_admin", "associate", "org/admins", 204),
    ("org_member", "associate", "org/admins", 403),
    ("org_auditor", "associate", "org/admins", 403),
    ("other_org_admin", "associate", "org/admins", 404),
    ("plain_user", "associate", "org/admins", 404),
    ("anonymous", "associate", "org/admins", 401),
    ("superuser", "associate", "org/auditors", 204),
    ("system_auditor", "associate", "org/auditors", 403),
    ("org_admin", "associate", "org/auditors", 204),
    ("org_member", "associate", "org/auditors", 403),
    ("org_auditor", "associate", "org/auditors", 403),
    ("other_org_admin", "associate", "org/auditors", 404),
    ("plain_user", "associate", "org/auditors", 404),
    ("anonymous", "associate", "org/auditors", 401),
    # Organizations: remove a user's role
    ("superuser", "disassociate", "org/users", 204),
    ("system_auditor", "disassociate", "org/users", 403),
    ("org_admin", "disassociate", "org/users", 204),
    ("org_member", "disassociate", "org/users", 403),
    ("org_auditor", "disassociate", "org/users", 403),
    ("other_org_admin", "disassociate", "org/users", 404),
    ("plain_user", "disassociate", "org/users", 404),
    ("anonymous", "disassociate", "org/users", 401),
    ("superuser", "disassociate", "org/admins", 204),
    ("system_auditor", "disassociate", "org/admins", 403),
    ("org_admin", "disassociate", "org/admins", 204),
    ("org_member", "disassociate", "org/admins", 403),
    ("org_auditor", "disassociate", "org/admins", 403),
    ("other_org_admin", "disassociate", "org/admins", 404),
    ("plain_user", "disassociate", "org/admins", 404),
    ("anonymous", "disassociate", "org/admins", 401),
    ("superuser", "disassociate", "org/auditors", 204),
    ("system_auditor", "disassociate", "org/auditors", 403),
    ("org_admin", "disassociate", "org/auditors", 204),
    ("org_member", "disassociate", "org/auditors", 403),
    ("org_auditor", "disassociate", "org/auditors", 403),
    ("other_org_admin", "disassociate", "org/auditors", 404),
    ("plain_user", "disassociate", "org/auditors", 404),
    ("anonymous", "disassociate", "org/auditors", 401),
]

WRITES = {"create", "change", "delete", "associate", "disassociate"}
ROLE_OF_RELATION = {"users": "member", "admins": "admin", "auditors": "auditor"}
# Which matrix actions exercise each policy action, for the completeness check.
POLICY_ACTIONS = {
    "view": {"list", "read"},
    "add": {"create"},
    "change": {"change"},
    "delete": {"delete"},
    "associate": {"associate", "disassociate"},
}
USER_TARGETS = {"users", "self", "colleague", "stranger", "colleague/organizations"}


def _ids(row):
    return "-".join(str(part) for part in row)


@pytest.fixture
def world(org, other_org):
    """The objects the targets name, created before the persona so they exist for every row."""
    return {
        "org": org,
        "other_org": other_org,
        "colleague": factories.user("colleague", member_of=[org]),
        "stranger": factories.user("stranger"),
    }


class Call:
    """One HTTP request of the matrix, and what it must have changed when it succeeded."""

    def __init__(self, action, target, world, user):
        self.action, self.target, self.world, self.user = action, target, world, user

    def subject(self):
        if self.target == "self":
            return self.user
        return self.world.get(self.target)

    def request(self, client):
        action, target = self.action, self.target
        if target == "users":
            if action == "list":
                return client.get("/api/v2/users/")
            return client.post(
                "/api/v2/users/", {"username": "newcomer", "password": factories.PASSWORD}, format="json"
            )
        if target == "organizations":
            if action == "list":
                return client.get("/api/v2/organizations/")
            return client.post("/api/v2/organizations/", {"name": "Brand new"}, format="json")
        if target == "colleague/organizations":
            return client.get(f"/api/v2/users/{self.world['colleague'].pk}/organizations/")
        if "/" in target:
            url = f"/api/v2/organizations/{self.world['org'].pk}/{target.split('/')[1]}/"
            if action == "list":
                return client.get(url)
            body = {"id": self.world["stranger"].pk}
            if action == "disassociate":
                body["disassociate"] = True
            return client.post(url, body, format="json")
        subject = self.subject()
        kind = "organizations" if isinstance(subject, Organization) else "users"
        url = f"/api/v2/{kind}/{subject.pk}/"
        if action == "read":
            return client.get(url)
        if action == "change":
            field = "description" if kind == "organizations" else "first_name"
            return client.patch(url, {field: "Changed"}, format="json")
        return client.delete(url)

    def prepare(self):
        if self.action == "disassociate":
            relation = self.target.split("/")[1]
            Membership.objects.create(
                user=self.world["stranger"], organization=self.world["org"], role=ROLE_OF_RELATION[relation]
            )

    def state(self):
        """What the request may change, to compare before and after."""
        return (
            sorted(User.objects.values_list("username", "first_name")),
            sorted(Organization.objects.values_list("name", "description")),
            sorted(Membership.objects.values_list("user__username", "organization__name", "role")),
        )

    def assert_effect(self):
        action, target = self.action, self.target
        if action == "create":
            if target == "users":
                assert User.objects.get(username="newcomer").check_password(factories.PASSWORD)
            else:
                assert Organization.objects.filter(name="Brand new").exists()
        elif action == "change":
            subject = self.subject()
            subject.refresh_from_db()
            assert (subject.description if isinstance(subject, Organization) else subject.first_name) == "Changed"
        elif action == "delete":
            subject = self.subject()
            assert not type(subject).objects.filter(pk=subject.pk).exists()
        elif action in {"associate", "disassociate"}:
            role = ROLE_OF_RELATION[target.split("/")[1]]
            held = Membership.objects.filter(user=self.world["stranger"], organization=self.world["org"], role=role)
            assert held.exists() == (action == "associate")


@pytest.mark.parametrize(("persona_name", "action", "target", "expected"), MATRIX, ids=[_ids(row) for row in MATRIX])
def test_role_matrix(persona_name, action, target, expected, world, persona, client_for):
    user = persona(persona_name)
    call = Call(action, target, world, user)
    call.prepare()
    before = call.state()
    if action in WRITES and expected in {200, 201, 204}:
        # The same write with a read-scoped token of the same person is refused by the mask.
        refused = call.request(client_for(user, scope="read"))
        assert refused.status_code == 403, refused.content
        assert "write" in refused.json()["detail"]
        assert call.state() == before

    response = call.request(client_for(user))

    assert response.status_code == expected, response.content
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
    if expected in {401, 403, 404}:
        assert "detail" in response.json()
        assert call.state() == before
    elif action in WRITES:
        call.assert_effect()


def test_matrix_covers_every_persona_and_policy_action():
    personas = {
        "superuser",
        "system_auditor",
        "org_admin",
        "org_member",
        "org_auditor",
        "other_org_admin",
        "plain_user",
        "anonymous",
    }
    rows = {(persona, action, target) for persona, action, target, _ in MATRIX}
    assert len(rows) == len(MATRIX), "duplicate rows"
    for model, policy in registered().items():
        if model not in (User, Organization):
            continue
        targets = USER_TARGETS if model is User else set()
        if model is Organization:
            targets = {target for _, _, target, _ in MATRIX} - USER_TARGETS
        for policy_action, matrix_actions in POLICY_ACTIONS.items():
            if not hasattr(policy, f"can_{policy_action}"):
                continue
            if model is User and policy_action == "associate":
                continue
            for name in personas:
                covered = {action for persona, action, target, _ in MATRIX if persona == name and target in targets}
                assert covered & matrix_actions, f"no row for {name} / {model.__name__}.{policy_action}"


# Targets that have change and delete rows in the matrix.
CAPABILITY_TARGETS = ("self", "colleague", "stranger", "org")
CAPABILITY_CASES = [
    (persona, target)
    for persona, action, target, expected in MATRIX
    if action == "read" and expected == 200 and target in CAPABILITY_TARGETS
]


@pytest.mark.parametrize(("persona_name", "target"), CAPABILITY_CASES, ids=[_ids(case) for case in CAPABILITY_CASES])
def test_user_capabilities_agree_with_the_matrix(persona_name, target, world, persona, client_for):
    user = persona(persona_name)
    expected = {
        action: status for name, action, row_target, status in MATRIX if (name, row_target) == (persona_name, target)
    }
    response = Call("read", target, world, user).request(client_for(user))

    capabilities = response.json()["summary_fields"]["user_capabilities"]

    assert capabilities == {
        "edit": expected.get("change") == 200,
        "delete": expected.get("delete") == 204,
    }
