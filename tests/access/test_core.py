"""The access core on its own: any caller (a plain Django request, an Actor, a DRF request) gets one answer."""

import ast
import pathlib

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.test import RequestFactory

import tokensvc.access
from applications.models import Application
from tests import factories
from tokens import services as token_services
from tokens.models import AccessToken
from tokensvc.access import Actor, BaseAccess, Decision, check, check_scope, policy_for, registered, visible
from tokensvc.access import registry as access_registry
from users.models import Membership, Organization, User

CORE = pathlib.Path(tokensvc.access.__file__).parent
# What the core may import: the standard library, Django and itself. No app, no DRF.
FORBIDDEN_TOP_LEVEL = {"rest_framework", "oauth2_provider", "users", "applications", "tokens", "oauth", "tests"}


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield "tokensvc.access." + (node.module or "")
            else:
                yield node.module


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda path: path.name)
def test_the_core_imports_no_app_and_no_drf(path):
    assert path.read_text().startswith('"""'), f"{path.name} has no module docstring"
    for name in _imports(path):
        top = name.split(".")[0]
        assert top not in FORBIDDEN_TOP_LEVEL, f"{path.name} imports {name}"
        if top == "tokensvc":
            assert name.startswith("tokensvc.access"), f"{path.name} imports {name}"


def plain_request(user, auth=None) -> HttpRequest:
    """A plain Django request, as a non-DRF view receives it."""
    request = RequestFactory().get("/")
    request.user = user
    if auth is not None:
        request.auth = auth
    return request


def test_a_plain_django_request_and_an_actor_get_the_same_answers(org, superuser, org_admin, plain_user):
    for user, expected in ((superuser, True), (org_admin, True), (plain_user, False)):
        for asker in (plain_request(user), Actor(user)):
            decision = check(asker, "change", Organization, org)
            assert isinstance(decision, Decision)
            assert decision.allowed is expected
            assert list(visible(asker, Organization)) == ([org] if expected else [])


def test_a_policy_denial_carries_its_reason(superuser):
    decision = check(Actor(superuser), "delete", User, superuser)
    assert decision == Decision(False, "You cannot delete your own account.")
    assert not decision and not decision.insufficient_scope


def test_the_scope_mask_runs_before_the_policy(superuser, org):
    reader = factories.personal_token(superuser, scope="read").token
    writer = factories.personal_token(superuser, scope="write").token

    denied = check(Actor(superuser, reader), "change", Organization, org)
    assert not denied and denied.insufficient_scope and denied.scope == "write"
    assert "'write' scope" in denied.reason
    assert check(Actor(superuser, reader), "view", Organization, org)
    assert check(Actor(superuser, writer), "change", Organization, org)
    # The same mask, asked from a request whose `.auth` is the token.
    assert check_scope(plain_request(superuser, auth=reader), "delete").scope == "write"
    # Sessions and Basic carry no token: unmasked.
    assert check_scope(Actor(superuser), "delete")


def test_the_credential_reaches_the_policy(plain_user):
    token = factories.personal_token(plain_user).token
    data = {"password": "x", "current_password": factories.PASSWORD}
    assert check(Actor(plain_user), "change", User, plain_user, data)
    refused = check(Actor(plain_user, token), "change", User, plain_user, data)
    assert not refused and "interactive sign-in" in refused.reason


def test_one_policy_per_actor_and_per_request(plain_user):
    actor = Actor(plain_user)
    assert policy_for(actor, User) is policy_for(actor, User)
    request = plain_request(plain_user)
    assert policy_for(request, User) is policy_for(request, User)
    assert Actor.of(request) is Actor.of(request)
    assert Actor.of(actor) is actor


def test_visible_with_revoked_includes_the_policys_tombstones(org_member):
    live = factories.personal_token(org_member).token
    gone = factories.personal_token(org_member).token
    token_services.token_revoke(actor=org_member, token=gone)
    actor = Actor(org_member)

    assert set(visible(actor, AccessToken)) == {live}
    assert set(visible(actor, AccessToken, include_revoked=True)) == {live, gone}
    # Models without tombstones answer their visible() either way.
    assert list(visible(actor, User, include_revoked=True)) == list(visible(actor, User))


def test_a_token_for_an_application_asks_the_application_policy(org, other_org, org_member):
    mine, theirs = factories.application(org, name="Mine"), factories.application(other_org, name="Theirs")
    actor = Actor(org_member)
    assert check(actor, "add", AccessToken, data={"application": mine})
    assert not check(actor, "add", AccessToken, data={"application": theirs})


# Every policy of every registered model answers with a Decision ---------------------------


def _actions(policy_class):
    return sorted(name[len("can_") :] for name in dir(policy_class) if name.startswith("can_"))


@pytest.fixture
def rows(org, superuser, org_admin):
    app = factories.application(org)
    factories.application_token(org_admin, app)
    factories.personal_token(org_admin)
    return {"superuser": superuser, "org_admin": org_admin}


@pytest.mark.parametrize("persona_name", ["superuser", "system_auditor", "org_admin", "plain_user"])
def test_every_policy_action_returns_a_decision(persona_name, persona, rows):
    actor = Actor(persona(persona_name))
    asked = 0
    for model, policy_class in registered().items():
        first = model._default_manager.order_by("pk").first()
        for action in _actions(policy_class):
            for obj in (None, first):
                assert isinstance(check(actor, action, model, obj), Decision), f"{policy_class.__name__}.{action}"
                asked += 1
    assert asked


# Misconfiguration is loud, never an open door ---------------------------------------


class _BoolAccess(BaseAccess):
    """A policy still answering with a bare bool."""

    model = Membership

    def can_change(self, obj=None, data=None):
        return True


def test_a_policy_that_answers_a_bool_is_a_configuration_error(monkeypatch, superuser):
    monkeypatch.setitem(access_registry._registry, Membership, _BoolAccess)
    with pytest.raises(ImproperlyConfigured, match="not a Decision"):
        check(Actor(superuser), "change", Membership)


def test_a_model_without_a_policy_is_a_configuration_error(superuser):
    assert Membership not in registered()
    with pytest.raises(ImproperlyConfigured, match="No access policy"):
        check(Actor(superuser), "view", Membership)
    with pytest.raises(ImproperlyConfigured, match="does not define can_rotate"):
        check(Actor(superuser), "rotate", Application)


def test_a_model_has_one_policy():
    class Second(BaseAccess):
        model = User

    with pytest.raises(ImproperlyConfigured, match="already has an access policy"):
        tokensvc.access.register(Second)
