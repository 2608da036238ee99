"""One authorization code exchanged by many requests at once mints exactly one token pair."""

import threading
from urllib.parse import urlencode

import pytest
from django.db import connections
from django.test import Client

from tests import factories
from tests.support.oauth import CALLBACK, FORM, app_with_secret, give_consent, pkce_pair, query_of, signed_in
from tokens.models import AccessToken, Grant, RefreshToken

PARALLEL = 8


def _code_for(app, user):
    verifier, challenge = pkce_pair()
    consent = give_consent(signed_in(user), app, challenge)
    assert consent.status_code == 302, consent.content
    return query_of(consent["Location"])["code"], verifier


def _exchange_in_parallel(app, code, verifier):
    """PARALLEL threads, each with its own database connection, post the same code together."""
    body = urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
            "client_id": app.client_id,
        }
    )
    start = threading.Barrier(PARALLEL)
    results = [None] * PARALLEL

    def exchange(index):
        try:
            start.wait()
            response = Client().post("/api/o/token/", data=body, content_type=FORM)
            results[index] = (response.status_code, response.json())
        except Exception as exc:  # a crash must fail the test, not vanish with the thread
            results[index] = ("crash", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=exchange, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(4))
def test_a_code_exchanged_in_parallel_mints_one_token_pair(attempt):
    org = factories.organization("Race")
    user = factories.user("racer", member_of=[org])
    app, _ = app_with_secret(
        org, name="SPA", client_type="public", authorization_grant_type="authorization-code", redirect_uris=CALLBACK
    )
    code, verifier = _code_for(app, user)

    results = _exchange_in_parallel(app, code, verifier)

    statuses = sorted(str(status) for status, _ in results)
    assert statuses == ["200"] + ["400"] * (PARALLEL - 1), results
    assert all(body["error"] == "invalid_grant" for status, body in results if status == 400), results
    winner = next(body for status, body in results if status == 200)
    assert AccessToken.objects.filter(application=app).count() == 1
    assert RefreshToken.objects.filter(application=app).count() == 1
    assert AccessToken.objects.get(application=app).token_hint == winner["access_token"][-4:]
    assert not Grant.objects.exists()
