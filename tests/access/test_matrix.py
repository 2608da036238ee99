"""Every registered policy, every action, every persona: one literal table of what `check()` answers.

The answers are those the policies' docstrings state, written down by hand: a row that fails
means the code and its stated rule disagree. Each row is asked twice, with a write-scoped and
a read-scoped personal access token of the persona: the read scope gives the same answer for
`view` and refuses every other action for want of the write scope.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

import pytest
from django.utils import timezone

from tests import factories
from tokens import services as token_services
from tokensvc.access import Actor, Decision, check, registered, scopes

Y, N = True, False
NEW_PASSWORD = "Another-Horse-77"

# The columns of the table, in order.
PERSONAS = ("superuser", "system_auditor", "org_admin", "org_member", "org_auditor", "other_org_admin", "plain_user")

# (policy, action, target): the answer for each persona, in the order of PERSONAS.
#
# Targets (built by `World` below; `org` is the organization of org_admin, org_member and
# org_auditor, `other_org` that of other_org_admin; plain_user belongs to none):
#   org, other_org             the organizations
#   self                       the persona's own account
#   own_password, org_user_password   a new password for the persona / for org_user
#   org_user, other_org_user   a member of org / of other_org (not one of the personas)
#   org_app, other_org_app     an application of org / of other_org
#   new                        nothing yet (adding with no data)
#   new_in_org, new_in_other_org   an application to add in org / in other_org
#   own_pat, own_revoked_pat   a personal access token of the persona, live / revoked
#   org_user_pat               a personal access token of org_user
#   org_app_token              a token of org_user for org_app
#   other_org_app_token        a token of other_org_user for other_org_app
#   org_app_token_narrowed     org_app_token changed from write to read scope
#   org_app_read_token_widened a read token of org_user for org_app changed to write scope
#   org_app_token_renewed, own_pat_renewed   org_app_token / own_pat given another expiry
#   own_read_pat_widened       a read personal access token of the persona changed to write scope
#   new_pat, new_org_app_token, new_other_org_app_token   a token to add for the persona
#   new_pat_for_org_user       a token to add for org_user
#   new_pat_bound_to_org       a personal access token to add for the persona, bound to org
#   org_app_token_bound        org_app_token (unbound) bound to org
#   org_bound_pat_unbound      a personal access token of org_user bound to org, unbound
#   org_app_entry, org_token_entry, org_entry   activity entries of org about an application,
#                              a token, and the organization itself; other_org_entry: about other_org
#   own_entry, own_action_entry   activity entries about the persona (the user concerned) / by the persona
#   setting                    a runtime setting
#   org_token_policy, other_org_token_policy   the token policy of org / of other_org
#   org_default_token_policy   org's policy before it has one (the defaults, not yet saved)
MATRIX = {
    # OrganizationAccess ---------------------------------------------------------------------
    #                                                       su sa oa om oau ooa pu
    ("OrganizationAccess", "view", "org"):                 (Y, Y, Y, Y, Y, N, N),
    ("OrganizationAccess", "view", "other_org"):           (Y, Y, N, N, N, Y, N),
    ("OrganizationAccess", "add", "new"):                  (Y, N, N, N, N, N, N),
    ("OrganizationAccess", "change", "org"):               (Y, N, Y, N, N, N, N),
    ("OrganizationAccess", "change", "other_org"):         (Y, N, N, N, N, Y, N),
    ("OrganizationAccess", "delete", "org"):               (Y, N, N, N, N, N, N),
    ("OrganizationAccess", "delete", "other_org"):         (Y, N, N, N, N, N, N),
    ("OrganizationAccess", "associate", "org"):            (Y, N, Y, N, N, N, N),
    ("OrganizationAccess", "associate", "other_org"):      (Y, N, N, N, N, Y, N),
    # UserAccess (change: the first name) ------------------------------------------------------
    #                                                       su sa oa om oau ooa pu
    ("UserAccess", "view", "self"):                        (Y, Y, Y, Y, Y, Y, Y),
    ("UserAccess", "view", "org_user"):                    (Y, Y, Y, Y, Y, N, N),
    ("UserAccess", "view", "other_org_user"):              (Y, Y, N, N, N, Y, N),
    ("UserAccess", "add", "new"):                          (Y, N, N, N, N, N, N),
    ("UserAccess", "change", "self"):                      (Y, Y, Y, Y, Y, Y, Y),
    ("UserAccess", "change", "org_user"):                  (Y, N, N, N, N, N, N),
    ("UserAccess", "change", "other_org_user"):            (Y, N, N, N, N, N, N),
    # Never one's own password with a token; a system administrator resets another's with one.
    ("UserAccess", "change", "own_password"):              (N, N, N, N, N, N, N),
    ("UserAccess", "change", "org_user_password"):         (Y, N, N, N, N, N, N),
    ("UserAccess", "delete", "self"):                      (N, N, N, N, N, N, N),
    ("UserAccess", "delete", "org_user"):                  (Y, N, N, N, N, N, N),
    ("UserAccess", "delete", "other_org_user"):            (Y, N, N, N, N, N, N),
    # ApplicationAccess (change: the name) -----------------------------------------------------
    #                                                       su sa oa om oau ooa pu
    ("ApplicationAccess", "view", "org_app"):              (Y, Y, Y, Y, Y, N, N),
    ("ApplicationAccess", "view", "other_org_app"):        (Y, Y, N, N, N, Y, N),
    ("ApplicationAccess", "add", "new_in_org"):            (Y, N, Y, N, N, N, N),
    ("ApplicationAccess", "add", "new_in_other_org"):      (Y, N, N, N, N, Y, N),
    ("ApplicationAccess", "change", "org_app"):            (Y, N, Y, N, N, N, N),
    ("ApplicationAccess", "change", "other_org_app"):      (Y, N, N, N, N, Y, N),
    ("ApplicationAccess", "delete", "org_app"):            (Y, N, Y, N, N, N, N),
    ("ApplicationAccess", "delete", "other_org_app"):      (Y, N, N, N, N, Y, N),
    # AccessTokenAccess (change: the description) ----------------------------------------------
    #                                                       su sa oa om oau ooa pu
    ("AccessTokenAccess", "view", "own_pat"):              (Y, Y, Y, Y, Y, Y, Y),
    ("AccessTokenAccess", "view", "own_revoked_pat"):      (N, N, N, N, N, N, N),
    ("AccessTokenAccess", "view", "org_user_pat"):         (Y, Y, N, N, N, N, N),
    ("AccessTokenAccess", "view", "org_app_token"):        (Y, Y, Y, N, Y, N, N),
    ("AccessTokenAccess", "view", "other_org_app_token"):  (Y, Y, N, N, N, Y, N),
    ("AccessTokenAccess", "add", "new_pat"):               (Y, Y, Y, Y, Y, Y, Y),
    ("AccessTokenAccess", "add", "new_org_app_token"):     (Y, Y, Y, Y, Y, N, N),
    ("AccessTokenAccess", "add", "new_other_org_app_token"): (Y, Y, N, N, N, Y, N),
    ("AccessTokenAccess", "add", "new_pat_for_org_user"):  (N, N, N, N, N, N, N),
    ("AccessTokenAccess", "change", "own_pat"):            (Y, Y, Y, Y, Y, Y, Y),
    ("AccessTokenAccess", "change", "own_revoked_pat"):    (N, N, N, N, N, N, N),
    ("AccessTokenAccess", "change", "org_user_pat"):       (Y, N, N, N, N, N, N),
    ("AccessTokenAccess", "change", "org_app_token"):      (Y, N, Y, N, N, N, N),
    ("AccessTokenAccess", "change", "other_org_app_token"): (Y, N, N, N, N, Y, N),
    # Narrowing is for whoever manages the token; widening and renewing for the owner or a system administrator.
    ("AccessTokenAccess", "change", "org_app_token_narrowed"): (Y, N, Y, N, N, N, N),
    ("AccessTokenAccess", "change", "org_app_read_token_widened"): (Y, N, N, N, N, N, N),
    ("AccessTokenAccess", "change", "org_app_token_renewed"): (Y, N, N, N, N, N, N),
    ("AccessTokenAccess", "change", "own_read_pat_widened"): (Y, Y, Y, Y, Y, Y, Y),
    ("AccessTokenAccess", "change", "own_pat_renewed"):    (Y, Y, Y, Y, Y, Y, Y),
    # Binding narrows: whoever manages the token binds it; unbinding widens: the owner or a system administrator.
    ("AccessTokenAccess", "change", "org_app_token_bound"): (Y, N, Y, N, N, N, N),
    ("AccessTokenAccess", "change", "org_bound_pat_unbound"): (Y, N, N, N, N, N, N),
    # Bound only where the owner holds a role (a system administrator anywhere).
    ("AccessTokenAccess", "add", "new_pat_bound_to_org"):  (Y, N, Y, Y, Y, N, N),
    ("AccessTokenAccess", "delete", "own_pat"):            (Y, Y, Y, Y, Y, Y, Y),
    ("AccessTokenAccess", "delete", "own_revoked_pat"):    (N, N, N, N, N, N, N),
    ("AccessTokenAccess", "delete", "org_user_pat"):       (Y, N, N, N, N, N, N),
    ("AccessTokenAccess", "delete", "org_app_token"):      (Y, N, Y, N, N, N, N),
    ("AccessTokenAccess", "delete", "other_org_app_token"): (Y, N, N, N, N, Y, N),
    # Rotation belongs to the owner or a system administrator; a tombstone's is bad input, not a right.
    ("AccessTokenAccess", "rotate", "own_pat"):            (Y, Y, Y, Y, Y, Y, Y),
    ("AccessTokenAccess", "rotate", "own_revoked_pat"):    (Y, Y, Y, Y, Y, Y, Y),
    ("AccessTokenAccess", "rotate", "org_user_pat"):       (Y, N, N, N, N, N, N),
    ("AccessTokenAccess", "rotate", "org_app_token"):      (Y, N, N, N, N, N, N),
    ("AccessTokenAccess", "rotate", "other_org_app_token"): (Y, N, N, N, N, N, N),
    ("AccessTokenAccess", "revoke_tokens", "org_user"):    (Y, N, Y, N, N, N, N),
    ("AccessTokenAccess", "revoke_tokens", "other_org_user"): (Y, N, N, N, N, Y, N),
    # OrganizationTokenPolicyAccess (change: the maximum lifetime) -------------------------------
    #                                                       su sa oa om oau ooa pu
    ("OrganizationTokenPolicyAccess", "view", "org_token_policy"):         (Y, Y, Y, Y, Y, N, N),
    ("OrganizationTokenPolicyAccess", "view", "org_default_token_policy"): (Y, Y, Y, Y, Y, N, N),
    ("OrganizationTokenPolicyAccess", "view", "other_org_token_policy"):   (Y, Y, N, N, N, Y, N),
    ("OrganizationTokenPolicyAccess", "add", "new"):                       (N, N, N, N, N, N, N),
    ("OrganizationTokenPolicyAccess", "change", "org_token_policy"):       (Y, N, Y, N, N, N, N),
    ("OrganizationTokenPolicyAccess", "change", "org_default_token_policy"): (Y, N, Y, N, N, N, N),
    ("OrganizationTokenPolicyAccess", "change", "other_org_token_policy"): (Y, N, N, N, N, Y, N),
    ("OrganizationTokenPolicyAccess", "delete", "org_token_policy"):       (N, N, N, N, N, N, N),
    # The token admin API: the members' PATs usable in an organization, for its admins only.
    ("AccessTokenAccess", "view_member_tokens", "org"):    (Y, N, Y, N, N, N, N),
    ("AccessTokenAccess", "view_member_tokens", "other_org"): (Y, N, N, N, N, Y, N),
    ("AccessTokenAccess", "revoke_member_tokens", "org"):  (Y, N, Y, N, N, N, N),
    ("AccessTokenAccess", "revoke_member_tokens", "other_org"): (Y, N, N, N, N, Y, N),
    # ActivityEntryAccess ------------------------------------------------------------------------
    #                                                       su sa oa om oau ooa pu
    ("ActivityEntryAccess", "view", "own_entry"):          (Y, Y, Y, Y, Y, Y, Y),
    ("ActivityEntryAccess", "view", "own_action_entry"):   (Y, Y, Y, Y, Y, Y, Y),
    ("ActivityEntryAccess", "view", "org_app_entry"):      (Y, Y, Y, Y, Y, N, N),
    ("ActivityEntryAccess", "view", "org_token_entry"):    (Y, Y, Y, N, Y, N, N),
    ("ActivityEntryAccess", "view", "org_entry"):          (Y, Y, Y, Y, Y, N, N),
    ("ActivityEntryAccess", "view", "other_org_entry"):    (Y, Y, N, N, N, Y, N),
    ("ActivityEntryAccess", "add", "new"):                 (N, N, N, N, N, N, N),
    ("ActivityEntryAccess", "change", "own_entry"):        (N, N, N, N, N, N, N),
    ("ActivityEntryAccess", "change", "org_entry"):        (N, N, N, N, N, N, N),
    ("ActivityEntryAccess", "delete", "own_entry"):        (N, N, N, N, N, N, N),
    ("ActivityEntryAccess", "delete", "org_entry"):        (N, N, N, N, N, N, N),
    # SettingAccess ------------------------------------------------------------------------------
    #                                                       su sa oa om oau ooa pu
    ("SettingAccess", "view", "setting"):                  (Y, Y, N, N, N, N, N),
    ("SettingAccess", "add", "new"):                       (N, N, N, N, N, N, N),
    ("SettingAccess", "change", "setting"):                (Y, N, N, N, N, N, N),
    ("SettingAccess", "delete", "setting"):                (N, N, N, N, N, N, N),
}  # fmt: skip

# What a "change" row sends, per policy: a field anyone allowed to change the object may change.
CHANGES = {
    "OrganizationAccess": {"description": "Changed"},
    "UserAccess": {"first_name": "Changed"},
    "ApplicationAccess": {"name": "Changed"},
    "AccessTokenAccess": {"description": "Changed"},
    "OrganizationTokenPolicyAccess": {"max_pat_lifetime_days": 30},
}


def _policies() -> dict:
    """Policy class name -> (model, policy class), for every registered policy."""
    return {policy.__name__: (model, policy) for model, policy in registered().items()}


def _actions(policy_class) -> list[str]:
    return sorted(name[len("can_") :] for name in dir(policy_class) if name.startswith("can_"))


@dataclass
class World:
    """The targets, made only when a row asks for them (each test builds just what it needs)."""

    persona: object
    org: object
    other_org: object
    models: dict

    def entry(self, object_type, organization=None, subject_user=None, actor=None):
        return self.models["ActivityEntryAccess"].objects.create(
            actor=actor,
            operation="create",
            object_type=object_type,
            object_id=1,
            organization=organization,
            subject_user=subject_user,
        )

    @cached_property
    def org_user(self):
        return factories.user("org_user", member_of=[self.org])

    @cached_property
    def other_org_user(self):
        return factories.user("other_org_user", member_of=[self.other_org])

    @cached_property
    def org_app(self):
        return factories.application(self.org, name="Org app")

    @cached_property
    def other_org_app(self):
        return factories.application(self.other_org, name="Other org app")

    def target(self, name: str):
        """(obj, data) for the target `name`."""
        builders = {
            "new": lambda: (None, None),
            "org": lambda: (self.org, None),
            "other_org": lambda: (self.other_org, None),
            "self": lambda: (self.persona, None),
            "own_password": lambda: (self.persona, {"password": NEW_PASSWORD, "current_password": factories.PASSWORD}),
            "org_user_password": lambda: (self.org_user, {"password": NEW_PASSWORD}),
            "org_user": lambda: (self.org_user, None),
            "other_org_user": lambda: (self.other_org_user, None),
            "org_app": lambda: (self.org_app, None),
            "other_org_app": lambda: (self.other_org_app, None),
            "new_in_org": lambda: (None, {"name": "New", "organization": self.org}),
            "new_in_other_org": lambda: (None, {"name": "New", "organization": self.other_org}),
            "own_pat": lambda: (factories.personal_token(self.persona).token, None),
            "own_revoked_pat": self._own_revoked_pat,
            "org_user_pat": lambda: (factories.personal_token(self.org_user).token, None),
            "org_app_token": lambda: (factories.application_token(self.org_user, self.org_app).token, None),
            "other_org_app_token": lambda: (
                factories.application_token(self.other_org_user, self.other_org_app).token,
                None,
            ),
            "org_app_token_narrowed": lambda: (
                factories.application_token(self.org_user, self.org_app).token,
                {"scope": "read"},
            ),
            "org_app_read_token_widened": lambda: (
                factories.application_token(self.org_user, self.org_app, scope="read").token,
                {"scope": "write"},
            ),
            "org_app_token_renewed": lambda: (
                factories.application_token(self.org_user, self.org_app).token,
                {"expires": timezone.now() + timedelta(minutes=1)},
            ),
            "own_read_pat_widened": lambda: (
                factories.personal_token(self.persona, scope="read").token,
                {"scope": "write"},
            ),
            "own_pat_renewed": lambda: (
                factories.personal_token(self.persona).token,
                {"expires": timezone.now() + timedelta(minutes=1)},
            ),
            "new_pat": lambda: (None, {"user": self.persona}),
            "new_org_app_token": lambda: (None, {"user": self.persona, "application": self.org_app}),
            "new_other_org_app_token": lambda: (None, {"user": self.persona, "application": self.other_org_app}),
            "new_pat_for_org_user": lambda: (None, {"user": self.org_user}),
            "new_pat_bound_to_org": lambda: (None, {"user": self.persona, "organization": self.org}),
            "org_app_token_bound": lambda: (
                factories.application_token(self.org_user, self.org_app).token,
                {"organization": self.org},
            ),
            "org_bound_pat_unbound": lambda: (
                factories.personal_token(self.org_user, organization=self.org).token,
                {"organization": None},
            ),
            "own_entry": lambda: (self.entry("user", subject_user=self.persona), None),
            "own_action_entry": lambda: (self.entry("organization", actor=self.persona), None),
            "org_app_entry": lambda: (self.entry("o_auth2_application", organization=self.org), None),
            "org_token_entry": lambda: (self.entry("o_auth2_access_token", organization=self.org), None),
            "org_entry": lambda: (self.entry("organization", organization=self.org), None),
            "other_org_entry": lambda: (self.entry("organization", organization=self.other_org), None),
            "org_token_policy": lambda: (self.token_policy(self.org), None),
            "other_org_token_policy": lambda: (self.token_policy(self.other_org), None),
            "org_default_token_policy": lambda: (
                self.models["OrganizationTokenPolicyAccess"](organization=self.org),
                None,
            ),
            "setting": lambda: (
                self.models["SettingAccess"].objects.create(key="ACCESS_TOKEN_EXPIRE_SECONDS", value=600),
                None,
            ),
        }
        return builders[name]()

    def token_policy(self, organization):
        return self.models["OrganizationTokenPolicyAccess"].objects.create(
            organization=organization, max_pat_lifetime_days=90
        )

    def _own_revoked_pat(self):
        token = factories.personal_token(self.persona).token
        token_services.token_revoke(actor=self.persona, token=token)
        token.refresh_from_db()
        return token, None


ROWS = [
    (policy, action, target, persona_name, expected)
    for (policy, action, target), answers in MATRIX.items()
    for persona_name, expected in zip(PERSONAS, answers, strict=True)
]


def _row_id(row) -> str:
    policy, action, target, persona_name, expected = row
    return f"{policy}.{action}-{target}-{persona_name}-{'allowed' if expected else 'denied'}"


@pytest.mark.parametrize(("policy", "action", "target", "persona_name", "expected"), ROWS, ids=map(_row_id, ROWS))
def test_check_answers_as_the_rules_say(policy, action, target, persona_name, expected, persona, org, other_org):
    policies = _policies()
    model = policies[policy][0]
    user = persona(persona_name)
    world = World(user, org, other_org, {name: model for name, (model, _) in policies.items()})
    obj, data = world.target(target)
    if action == "change" and data is None:
        data = CHANGES.get(policy)
    writer = factories.personal_token(user, scope="write").token
    reader = factories.personal_token(user, scope="read").token

    decision = check(Actor(user, writer), action, model, obj, data)
    assert isinstance(decision, Decision)
    assert decision.allowed is expected, decision.reason
    assert not decision.insufficient_scope

    read = check(Actor(user, reader), action, model, obj, data)
    if action in scopes.READ_ACTIONS:
        assert read.allowed is expected, read.reason
    else:
        assert not read.allowed
        assert read.insufficient_scope and read.scope == scopes.WRITE


def test_the_table_covers_every_registered_policy_and_action():
    policies = _policies()
    asked = {(policy, action) for policy, action, _ in MATRIX}
    missing = sorted(
        (name, action)
        for name, (_, policy_class) in policies.items()
        for action in _actions(policy_class)
        if (name, action) not in asked
    )
    assert missing == [], f"no rows for {missing}"
    unknown = sorted(pair for pair in asked if pair[0] not in policies or pair[1] not in _actions(policies[pair[0]][1]))
    assert unknown == [], f"rows for what no registered policy defines: {unknown}"


def test_every_row_answers_for_every_persona():
    assert all(len(answers) == len(PERSONAS) for answers in MATRIX.values())
    assert set(PERSONAS) == {"superuser", "system_auditor", "org_admin", "org_member", "org_auditor"} | {
        "other_org_admin",
        "plain_user",
    }
