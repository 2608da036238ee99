"""Revoking members' personal access tokens through the token admin API: by id and by rule."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from activity.models import ActivityEntry
from tests import factories
from tests.support.tokenadmin import dialect_client, pat, revocations, rules
from tokens.models import AccessToken
from tokensvc.types import type_name


@pytest.fixture
def app(org):
    return factories.application(org, name="Admin console")


@pytest.fixture
def admin(org_admin, app):
    return dialect_client(org_admin, app)


@pytest.fixture
def member(org, other_org):
    return factories.user("member", member_of=[org, other_org], email="member@example.com")


def _body(*tokens):
    return [{"authorizationId": str(token.authorization_id)} for token in tokens]


def _revoked(*tokens):
    return [AccessToken.objects.get(pk=token.pk).revoked_at is not None for token in tokens]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the owners' notices) at the end of the block, as a commit would.

    The test's own transaction never commits; the revocation's notice follows a commit.
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_revokes_only_member_tokens_usable_in_the_organization(admin, org, other_org, member, app, org_admin):
    unbound = pat(member, description="unbound").token
    bound = pat(member, description="bound", organization=org).token
    elsewhere = pat(member, description="elsewhere", organization=other_org).token
    app_token = factories.application_token(member, app).token
    stranger = pat(factories.user("stranger", email="s@example.com")).token
    other_members = pat(factories.user("other_member", member_of=[other_org])).token
    body = _body(unbound, bound, elsewhere, app_token, stranger, other_members)
    body.append({"authorizationId": str(uuid.uuid4())})

    response = admin.post(revocations(org), body, format="json")
    assert response.status_code == 204, response.content
    assert response.content == b""
    assert _revoked(unbound, bound, elsewhere, app_token, stranger, other_members) == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    unbound.refresh_from_db()
    assert unbound.revoked_by == org_admin


def test_the_answer_is_the_same_whether_or_not_an_id_exists(admin, org, other_org):
    foreign = pat(factories.user("other_member", member_of=[other_org])).token
    for body in (_body(foreign), [{"authorizationId": str(uuid.uuid4())}], []):
        response = admin.post(revocations(org), body, format="json")
        assert (response.status_code, response.content) == (204, b"")
    assert _revoked(foreign) == [False]


def test_revocation_is_recorded_naming_the_admin_and_takes_effect_at_once(admin, org, member, org_admin):
    issued = pat(member, description="deploy")
    user_client = APIClient()
    user_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.value}")
    assert user_client.get("/api/v2/me/").status_code == 200

    assert admin.post(revocations(org), _body(issued.token), format="json").status_code == 204

    assert user_client.get("/api/v2/me/").status_code == 401
    entries = ActivityEntry.objects.filter(
        object_type=type_name(AccessToken), object_id=issued.token.pk, operation="delete"
    )
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor_id == org_admin.pk
    assert entry.organization_id == org.pk
    assert entry.subject_user_id == member.pk
    assert issued.value not in str(entry.changes)


def test_owners_are_emailed_without_the_value(admin, org, member, org_admin, committed):
    first = pat(member, description="deploy")
    second = pat(member, description="backup")
    other = factories.user("other", member_of=[org], email="other@example.com")
    third = pat(other, description="theirs")
    silent = pat(factories.user("silent", member_of=[org]), description="no address")
    mail.outbox.clear()

    body = _body(first.token, second.token, third.token, silent.token)
    with committed():
        assert admin.post(revocations(org), body, format="json").status_code == 204

    messages = {message.to[0]: message for message in mail.outbox}
    assert set(messages) == {"member@example.com", "other@example.com"}
    text = messages["member@example.com"].body
    for issued in (first, second):
        assert issued.token.description in text
        assert str(issued.token.authorization_id) in text
        assert f"...{issued.token.token_hint}" in text
        assert issued.value not in text
    assert org_admin.username in text and org.name in text
    assert "theirs" not in text


def test_a_failed_delivery_does_not_fail_the_revocation(admin, org, member, monkeypatch, committed):
    issued = pat(member, description="deploy")
    attempts = []

    def broken(*args, **kwargs):
        attempts.append(args)
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("tokens.notifications.send_mail", broken)
    with committed():
        assert admin.post(revocations(org), _body(issued.token), format="json").status_code == 204
    assert len(attempts) == 1
    assert _revoked(issued.token) == [True]


def test_the_rule_revokes_by_scope(admin, org, other_org, member, org_admin):
    writer = pat(member, scope="write").token
    both = pat(member, scope="read write", organization=org).token
    reader = pat(member, scope="read").token
    elsewhere = pat(member, scope="write", organization=other_org).token
    mine = pat(org_admin, scope="write").token
    stranger = pat(factories.user("stranger"), scope="write").token

    response = admin.post(rules(org), {"scopes": "write"}, format="json")
    assert response.status_code == 204, response.content
    assert _revoked(writer, both, reader, elsewhere, mine, stranger) == [True, True, False, False, True, False]
    assert ActivityEntry.objects.filter(object_id=writer.pk, operation="delete", actor=org_admin).exists()

    assert admin.post(rules(org), {"scopes": "read"}, format="json").status_code == 204
    assert _revoked(reader, elsewhere, stranger) == [True, False, False]


def test_app_token_names_write(admin, org, member):
    writer, reader = pat(member, scope="write").token, pat(member, scope="read").token
    assert admin.post(rules(org), {"scopes": "app_token"}, format="json").status_code == 204
    assert _revoked(writer, reader) == [True, False]


def test_the_rule_revokes_only_tokens_created_before(admin, org, member):
    old = pat(member).token
    new = pat(member).token
    AccessToken.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=30))
    cutoff = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    response = admin.post(rules(org), {"scopes": "read", "createdBefore": cutoff}, format="json")
    assert response.status_code == 204, response.content
    assert _revoked(old, new) == [True, False]


def test_the_rule_accepts_a_date_and_an_offset(admin, org, member):
    old = pat(member).token
    AccessToken.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=30))
    day = (timezone.now() - timedelta(days=10)).date().isoformat()
    assert admin.post(rules(org), {"scopes": "read", "createdBefore": day}, format="json").status_code == 204
    assert _revoked(old) == [True]
    later = pat(member).token
    moment = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+01:00")
    assert admin.post(rules(org), {"scopes": "write", "createdBefore": moment}, format="json").status_code == 204
    assert _revoked(later) == [False]


def test_a_rule_emails_the_owners(admin, org, member, committed):
    pat(member, description="deploy", scope="write")
    mail.outbox.clear()
    with committed():
        assert admin.post(rules(org), {"scopes": "write"}, format="json").status_code == 204
    assert [message.to for message in mail.outbox] == [["member@example.com"]]
    assert "deploy" in mail.outbox[0].body


def test_public_keys_are_not_personal_access_tokens(admin, org, member):
    token = pat(member).token
    response = admin.post(revocations(org) + "?isPublic=true", _body(token), format="json")
    assert response.status_code == 204
    assert _revoked(token) == [False]
    assert admin.post(revocations(org) + "?isPublic=false", _body(token), format="json").status_code == 204
    assert _revoked(token) == [True]


REVOCATION_BODIES = {
    "object": ({"authorizationId": str(uuid.uuid4())}, "JSON array"),
    "string": ("abc", "JSON array"),
    "null": (None, "JSON array"),
    "number-entry": ([1], "[0]"),
    "list-entry": ([[str(uuid.uuid4())]], "[0]"),
    "missing-id": ([{}], "[0].authorizationId"),
    "unknown-field": ([{"authorizationId": str(uuid.uuid4()), "user": 1}], "user"),
    "not-a-uuid": ([{"authorizationId": "12345"}], "[0].authorizationId"),
    "uuid-number": ([{"authorizationId": 12345}], "[0].authorizationId"),
    "second-bad": ([{"authorizationId": str(uuid.uuid4())}, {"authorizationId": "x" * 36}], "[1].authorizationId"),
    "nul": ([{"authorizationId": "\x00" * 36}], "[0].authorizationId"),
    "too-many": ([{"authorizationId": str(uuid.uuid4())}] * 1001, "At most 1000"),
}


@pytest.mark.parametrize(("body", "named"), REVOCATION_BODIES.values(), ids=REVOCATION_BODIES.keys())
def test_bad_revocation_bodies_are_400(admin, org, member, body, named):
    token = pat(member).token
    response = admin.post(revocations(org), body, format="json")
    assert response.status_code == 400, response.content
    assert named in response.json()["message"]
    assert _revoked(token) == [False]


def test_a_thousand_revocations_are_accepted(admin, org, member):
    token = pat(member).token
    body = [{"authorizationId": str(uuid.uuid4())} for _ in range(999)] + _body(token)
    assert admin.post(revocations(org), body, format="json").status_code == 204
    assert _revoked(token) == [True]


def test_malformed_json_is_400(admin, org):
    response = admin.post(revocations(org), "[{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"]


RULE_BODIES = {
    "list": ([{"scopes": "write"}], "JSON object"),
    "no-scopes": ({}, "scopes"),
    "empty-scopes": ({"scopes": " "}, "scopes"),
    "scopes-list": ({"scopes": ["write"]}, "scopes"),
    "unknown-scope": ({"scopes": "vso.code"}, "vso.code"),
    "unknown-field": ({"scopes": "write", "until": "2024-01-01"}, "until"),
    "bad-date": ({"scopes": "write", "createdBefore": "yesterday"}, "createdBefore"),
    "impossible-date": ({"scopes": "write", "createdBefore": "2024-02-30T00:00:00Z"}, "createdBefore"),
    "number-date": ({"scopes": "write", "createdBefore": 1700000000}, "createdBefore"),
    "overflowing-date": ({"scopes": "write", "createdBefore": "9999-12-31T23:59:59-14:00"}, "createdBefore"),
    "null-date": ({"scopes": "write", "createdBefore": ""}, "createdBefore"),
}


@pytest.mark.parametrize(("body", "named"), RULE_BODIES.values(), ids=RULE_BODIES.keys())
def test_bad_rules_are_400(admin, org, member, body, named):
    token = pat(member).token
    response = admin.post(rules(org), body, format="json")
    assert response.status_code == 400, response.content
    assert named in response.json()["message"]
    assert _revoked(token) == [False]


def test_a_rule_revoking_more_than_a_chunk_tells_every_token(admin, org, member, monkeypatch, committed):
    monkeypatch.setattr("tokens.services.CHUNK", 2)
    tokens = [pat(member, description=f"t{index}").token for index in range(5)]
    mail.outbox.clear()
    with committed():
        assert admin.post(rules(org), {"scopes": "read"}, format="json").status_code == 204
    assert _revoked(*tokens) == [True] * 5
    assert len(mail.outbox) == 1
    assert all(str(token.authorization_id) in mail.outbox[0].body for token in tokens)
