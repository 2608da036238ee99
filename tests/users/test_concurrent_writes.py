"""Concurrent writes of one unique name or one membership: one wins, the others get a 400 or no-op, never a 500.

Each request runs in its own thread with its own database connection, so the transactions
really overlap (on PostgreSQL; SQLite takes its write lock at BEGIN and runs them one after
another). To make every request pass the uniqueness check of the serializer before any of
them writes, the threads wait for each other at the end of body validation: that barrier only
times the requests, it changes nothing they do.
"""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests import factories
from tokensvc.api.viewsets import AssociateSerializer
from tokensvc.models import ActivityEntry
from users.models import Membership, Organization, User
from users.serializers import OrganizationSerializer, UserSerializer

THREADS = 4

pytestmark = pytest.mark.django_db(transaction=True)


def _concurrently(monkeypatch, serializer_class, send):
    """Run `send(client)` in THREADS threads that meet after validating the body; their responses."""
    barrier = threading.Barrier(THREADS, timeout=20)
    validate = serializer_class.validate

    def validate_then_wait(self, attrs):
        attrs = validate(self, attrs)
        barrier.wait()
        return attrs

    monkeypatch.setattr(serializer_class, "validate", validate_then_wait)
    responses = [None] * THREADS

    def run(index):
        try:
            client = APIClient(raise_request_exception=False)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            responses[index] = send(client)
        finally:
            connection.close()

    token = factories.personal_token(User.objects.get(username="root")).value
    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def _statuses(responses):
    return sorted(response.status_code for response in responses)


def test_concurrent_creation_of_one_username_is_one_201_and_400s(superuser, monkeypatch):
    body = {"username": "alice", "password": factories.PASSWORD}

    responses = _concurrently(monkeypatch, UserSerializer, lambda c: c.post("/api/v2/users/", body, format="json"))

    assert _statuses(responses) == [201] + [400] * (THREADS - 1), [r.content for r in responses]
    for response in responses:
        if response.status_code == 400:
            assert response.json() == {"username": ["A user with that username already exists."]}
    assert User.objects.filter(username="alice").count() == 1
    assert ActivityEntry.objects.filter(object_type="user", operation="create").count() == 1


def test_concurrent_creation_of_one_name_in_several_cases_is_one_201_and_400s(superuser, monkeypatch):
    names = iter(["carol", "Carol", "CAROL", "\uff43arol"])
    lock = threading.Lock()

    def create(client):
        with lock:
            name = next(names)
        return client.post("/api/v2/users/", {"username": name, "password": factories.PASSWORD}, format="json")

    responses = _concurrently(monkeypatch, UserSerializer, create)

    assert _statuses(responses) == [201] + [400] * (THREADS - 1), [r.content for r in responses]
    for response in responses:
        if response.status_code == 400:
            assert response.json() == {"username": ["A user with that username already exists."]}
    assert User.objects.filter(username_key="carol").count() == 1


def test_concurrent_renames_onto_one_username_are_one_200_and_400s(superuser, monkeypatch):
    users = [factories.user(f"user{index}") for index in range(THREADS)]
    pending = list(users)
    lock = threading.Lock()

    def rename(client):
        with lock:
            user = pending.pop()
        return client.patch(f"/api/v2/users/{user.pk}/", {"username": "taken"}, format="json")

    responses = _concurrently(monkeypatch, UserSerializer, rename)

    assert _statuses(responses) == [200] + [400] * (THREADS - 1), [r.content for r in responses]
    for response in responses:
        if response.status_code == 400:
            assert response.json() == {"username": ["A user with that username already exists."]}
    assert User.objects.filter(username="taken").count() == 1


def test_concurrent_creation_of_one_organization_name_is_one_201_and_400s(superuser, monkeypatch):
    def create(client):
        return client.post("/api/v2/organizations/", {"name": "Acme"}, format="json")

    responses = _concurrently(monkeypatch, OrganizationSerializer, create)

    assert _statuses(responses) == [201] + [400] * (THREADS - 1), [r.content for r in responses]
    for response in responses:
        if response.status_code == 400:
            assert response.json() == {"name": ["An organization with that name already exists."]}
    assert Organization.objects.filter(name="Acme").count() == 1
    assert ActivityEntry.objects.filter(object_type="organization", operation="create").count() == 1


def test_a_taken_organization_name_reads_the_same_without_a_race(admin_client, org):
    response = admin_client.post("/api/v2/organizations/", {"name": org.name}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["An organization with that name already exists."]}


@pytest.mark.parametrize("relation", ["users", "admins", "auditors"])
def test_concurrent_association_of_one_user_and_role_is_one_membership(
    superuser, org, plain_user, monkeypatch, relation
):
    def associate(client):
        return client.post(f"/api/v2/organizations/{org.pk}/{relation}/", {"id": plain_user.pk}, format="json")

    responses = _concurrently(monkeypatch, AssociateSerializer, associate)

    assert _statuses(responses) == [204] * THREADS, [r.content for r in responses]
    assert Membership.objects.filter(user=plain_user, organization=org).count() == 1
    assert ActivityEntry.objects.filter(object_type="organization", operation="associate").count() == 1
