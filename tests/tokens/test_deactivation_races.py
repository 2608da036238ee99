"""Deactivating a user while their tokens are being minted: nothing minted before it survives a reactivation.

Threads create personal access tokens (HTTP Basic, so the request outlives no credential
of its own), run password grants and run refresh grants in a loop while another thread
deactivates the user through the API. Afterwards the user is reactivated, and every
token value any thread received must be dead: a token minted before the deactivation
committed was revoked by it, and one asked for afterwards was refused. No request may
fail with a 500 or a deadlock. It runs on SQLite and on PostgreSQL, each request on its
own database connection.
"""

import base64
import threading
import time

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.support.concurrency import run_together
from tests.support.oauth import app_with_secret, bearer, password_grant, refresh_grant
from tokens.models import AccessToken, RefreshToken
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

CREATORS = 2
REFRESHERS = 2
RUN_BEFORE = 0.3  # seconds of minting before the deactivation, and after it
OK = {"pat": {201, 401, 403}, "password": {200, 400, 401}, "refresh": {200, 400}}


def basic_client(user) -> APIClient:
    client = APIClient()
    raw = f"{user.username}:{factories.PASSWORD}".encode()
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(raw).decode())
    return client


@pytest.mark.parametrize("trial", range(3))
def test_no_token_minted_around_a_deactivation_survives_it(org, superuser, client_for, trial):
    member = factories.user("member", member_of=[org])
    app, secret = app_with_secret(org, authorization_grant_type="password")
    admin = client_for(superuser)
    chains = [password_grant(app, secret, member).json()["refresh_token"] for _ in range(REFRESHERS)]
    stop = threading.Event()
    minted: list[tuple[str, str]] = []  # (how, value)
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()
    # The deactivation waits for a first PAT, so every trial races against minting already under way.
    first_pat = threading.Event()

    def note(how, status, value=None):
        with lock:
            statuses.append((how, status))
            if value:
                minted.append((how, value))
                if how == "pat":
                    first_pat.set()

    def create_pats():
        client = basic_client(member)
        while not stop.is_set():
            response = client.post(f"/api/v2/users/{member.pk}/personal_tokens/", {"scope": "write"}, format="json")
            note("pat", response.status_code, response.json().get("token") if response.status_code == 201 else None)

    def password_grants():
        while not stop.is_set():
            response = password_grant(app, secret, member)
            body = response.json()
            note("password", response.status_code, body.get("access_token"))
            if response.status_code == 200:
                note("password", 0, body["refresh_token"])

    def refresh(chain):
        def run():
            value = chain
            while not stop.is_set():
                response = refresh_grant(app, secret, value)
                body = response.json()
                note("refresh", response.status_code, body.get("access_token"))
                if response.status_code != 200:
                    return
                value = body["refresh_token"]
                note("refresh", 0, value)

        return run

    def deactivate():
        first_pat.wait(timeout=30)
        time.sleep(RUN_BEFORE)
        try:
            return admin.patch(f"/api/v2/users/{member.pk}/", {"is_active": False}, format="json")
        finally:
            time.sleep(RUN_BEFORE)
            stop.set()

    workers = [create_pats] * CREATORS + [password_grants] + [refresh(chain) for chain in chains]
    results = run_together([deactivate, *workers])

    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors
    assert results[0].status_code == 200, results[0].content
    unexpected = [(how, status) for how, status in statuses if status and status not in OK[how]]
    assert not unexpected, unexpected
    assert any(how == "pat" for how, _ in minted), "no token was minted before the deactivation"

    assert admin.patch(f"/api/v2/users/{member.pk}/", {"is_active": True}, format="json").status_code == 200
    assert User.objects.get(pk=member.pk).is_active
    access_values = [(how, value) for how, value in minted if not value.startswith("tsr_")]
    alive = [how for how, value in access_values if APIClient().get("/api/v2/me/", **bearer(value)).status_code != 401]
    assert alive == [], f"{len(alive)} of {len(access_values)} minted tokens survived the deactivation: {alive}"
    assert not AccessToken.objects.filter(user=member, revoked_at__isnull=True).exists()
    assert not RefreshToken.objects.filter(user=member, revoked__isnull=True).exists()
    refresh_values = [value for how, value in minted if value.startswith("tsr_")] + chains
    assert all(refresh_grant(app, secret, value).status_code == 400 for value in refresh_values[-5:])
