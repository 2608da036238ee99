"""Who may widen, renew, rotate, describe or revoke whose token: persona x action x target, as a literal table.

Widening what a token can do (its scope, its lifetime, a new value) belongs to the token's
owner or a superuser. An organization admin may see, describe, narrow and revoke the
organization's application tokens, never widen them. Every write that succeeds is first
tried with a read-scoped token of the same persona, which must be refused with 403 and
change nothing.
"""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tokens.models import AccessToken

PERSONAS = ("superuser", "org_admin", "org_member", "org_auditor", "other_org_admin", "plain_user")
TARGETS = ("own_token", "member_app_token", "superuser_app_token", "member_pat")
# describe:  PATCH {"description"}           put_widen: PUT {"description", "scope": "write"} on a read token
# put:       PUT {"description"}             narrow:    PATCH {"scope": "read"} on a write token
# widen:     PATCH {"scope": "write"} on a read token
# restate:   PATCH {"scope": "read write"} on a write token (write implies read: the same rights)
# renew:     PATCH {"expires"}               rotate:    POST rotate/        revoke: DELETE
ACTIONS = ("describe", "put", "widen", "put_widen", "narrow", "restate", "renew", "rotate", "revoke")
# The target is created with this scope, so that the action means what its name says.
TARGET_SCOPE = {"widen": "read", "put_widen": "read"}

ALL = (200, 200, 200, 200, 200, 200, 200, 201, 204)
ADMIN = (200, 200, 403, 403, 200, 200, 403, 403, 204)
SEES = (403,) * 9
HIDDEN = (404,) * 9

# fmt: off
MATRIX = {
    # persona            target                   describe put widen put_widen narrow restate renew rotate revoke
    ("superuser",       "own_token"):           ALL,
    ("superuser",       "member_app_token"):    ALL,
    ("superuser",       "superuser_app_token"): ALL,
    ("superuser",       "member_pat"):          ALL,

    ("org_admin",       "own_token"):           ALL,
    ("org_admin",       "member_app_token"):    (200, 200, 403, 403, 200, 200, 403, 403, 204),
    ("org_admin",       "superuser_app_token"): (200, 200, 403, 403, 200, 200, 403, 403, 204),
    ("org_admin",       "member_pat"):          HIDDEN,

    ("org_member",      "own_token"):           ALL,
    ("org_member",      "member_app_token"):    ALL,     # their own
    ("org_member",      "superuser_app_token"): HIDDEN,
    ("org_member",      "member_pat"):          ALL,     # their own

    ("org_auditor",     "own_token"):           ALL,
    ("org_auditor",     "member_app_token"):    SEES,
    ("org_auditor",     "superuser_app_token"): SEES,
    ("org_auditor",     "member_pat"):          HIDDEN,

    ("other_org_admin", "own_token"):           ALL,
    ("other_org_admin", "member_app_token"):    HIDDEN,
    ("other_org_admin", "superuser_app_token"): HIDDEN,
    ("other_org_admin", "member_pat"):          HIDDEN,

    ("plain_user",      "own_token"):           ALL,
    ("plain_user",      "member_app_token"):    HIDDEN,
    ("plain_user",      "superuser_app_token"): HIDDEN,
    ("plain_user",      "member_pat"):          HIDDEN,
}
# fmt: on

CASES = [
    (persona, target, action, MATRIX[(persona, target)][index])
    for (persona, target) in MATRIX
    for index, action in enumerate(ACTIONS)
]
SUCCESS = {200, 201, 204}
READ_MESSAGE = "This action requires the 'write' scope; this token has 'read'."


def test_matrix_is_complete():
    assert set(MATRIX) == set(itertools.product(PERSONAS, TARGETS))
    assert all(len(row) == len(ACTIONS) for row in MATRIX.values())
    # The rule itself, read off the table: an admin never widens a token that is not theirs.
    for index, action in enumerate(ACTIONS):
        if action in {"widen", "put_widen", "renew", "rotate"}:
            assert MATRIX[("org_admin", "member_app_token")][index] == 403


def make_target(name, user, scope, org, org_member, superuser):
    if name == "own_token":
        return factories.personal_token(user, scope=scope, description="before").token
    if name == "member_pat":
        return factories.personal_token(org_member, scope=scope, description="before").token
    app = factories.application(org, name="Matrix app")
    if name == "member_app_token":
        return factories.application_token(org_member, app, scope=scope, description="before").token
    if name == "superuser_app_token":
        return factories.application_token(superuser, app, scope=scope, description="before").token
    raise AssertionError(name)


def perform(client, action, token):
    url = f"/api/v2/tokens/{token.pk}/"
    if action == "describe":
        return client.patch(url, {"description": "after"}, format="json")
    if action == "put":
        return client.put(url, {"description": "after"}, format="json")
    if action == "widen":
        return client.patch(url, {"scope": "write"}, format="json")
    if action == "put_widen":
        return client.put(url, {"description": "after", "scope": "write"}, format="json")
    if action == "narrow":
        return client.patch(url, {"scope": "read"}, format="json")
    if action == "restate":
        return client.patch(url, {"scope": "read write"}, format="json")
    if action == "renew":
        return client.patch(url, {"expires": (token.expires - timedelta(hours=1)).isoformat()}, format="json")
    if action == "rotate":
        return client.post(f"{url}rotate/", {}, format="json")
    if action == "revoke":
        return client.delete(url)
    raise AssertionError(action)


def state(token):
    row = AccessToken.objects.get(pk=token.pk)
    successors = AccessToken.objects.filter(rotated_from=token).count()
    return (row.description, row.scope, row.expires, row.revoked_at, successors)


@pytest.mark.parametrize(
    "persona_name, target_name, action, expected", CASES, ids=[f"{p}-{t}-{a}-{e}" for p, t, a, e in CASES]
)
def test_who_may_change_what(
    client_for, persona, org, org_member, superuser, persona_name, target_name, action, expected
):
    user = persona(persona_name)
    token = make_target(target_name, user, TARGET_SCOPE.get(action, "write"), org, org_member, superuser)
    before = state(token)
    if expected in SUCCESS:
        refused = perform(client_for(user, scope="read"), action, token)
        assert refused.status_code == 403, refused.content
        assert refused.json() == {"detail": READ_MESSAGE}
        assert state(token) == before

    response = perform(client_for(user), action, token)

    assert response.status_code == expected, response.content
    after = state(token)
    if expected not in SUCCESS:
        assert after == before
        return
    description, scope, expires, revoked_at, successors = after
    if action in {"describe", "put", "put_widen"}:
        assert description == "after"
    if action in {"widen", "put_widen"}:
        assert scope == "write"
    if action == "narrow":
        assert scope == "read"
    if action == "renew":
        assert expires == before[2] - timedelta(hours=1)
    if action == "rotate":
        assert revoked_at is not None and successors == 1
    if action == "revoke":
        assert revoked_at is not None


def test_a_widened_member_token_can_write_only_when_its_owner_widened_it(client_for, org, org_member, org_admin):
    """The attack as it was seen: an admin's widening must not make a member's read token write."""
    app = factories.application(org, name="Reports")
    issued = factories.application_token(org_member, app, scope="read")
    admin = client_for(org_admin)
    url = f"/api/v2/tokens/{issued.token.pk}/"

    assert admin.patch(url, {"scope": "read write"}, format="json").status_code == 403
    member_token = client_for(None)
    member_token.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.value}")
    assert member_token.patch(f"/api/v2/users/{org_member.pk}/", {"first_name": "x"}, format="json").status_code == 403

    assert client_for(org_member).patch(url, {"scope": "read write"}, format="json").status_code == 200
    assert AccessToken.objects.get(pk=issued.token.pk).scope == "read write"


def test_an_admins_change_is_refused_when_the_token_changed_underneath(org, org_member, org_admin, client_for):
    """The admin was judged on the scope they saw; if the owner narrowed it since, nothing is widened back."""
    from tokens import services

    app = factories.application(org, name="Reports")
    issued = factories.application_token(org_member, app, scope="write")
    seen_by_admin = AccessToken.objects.get(pk=issued.token.pk)
    AccessToken.objects.filter(pk=issued.token.pk).update(scope="read", updated=timezone.now())

    with pytest.raises(services.TokenChanged):
        services.token_update(actor=org_admin, token=seen_by_admin, data={"scope": "write"})

    assert AccessToken.objects.get(pk=issued.token.pk).scope == "read"
