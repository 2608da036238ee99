"""The settings API checks PAT_DEFAULT_LIFETIME_SECONDS <= PAT_MAX_LIFETIME_SECONDS against what it read
before its transaction: two simultaneous PATCHes, one lowering the maximum and one raising the default,
both pass and store a pair that the rule forbids. Every later PATCH of any setting is then a 400.
"""

import threading

import pytest
from django.db import connections
from django.test import Client

from tests import factories

ROUNDS = 25


@pytest.mark.django_db(transaction=True)
def test_simultaneous_patches_never_store_a_default_above_the_maximum():
    root = factories.user("root", is_superuser=True)
    value = factories.personal_token(root).value
    url = "/api/v2/settings/authentication/"

    def client():
        return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {value}")

    for _ in range(ROUNDS):
        reset = client().patch(
            url,
            {"PAT_MAX_LIFETIME_SECONDS": None, "PAT_DEFAULT_LIFETIME_SECONDS": None},
            content_type="application/json",
        )
        assert reset.status_code == 200, reset.content
        barrier = threading.Barrier(2, timeout=20)
        statuses = []

        def patch(body):
            try:
                barrier.wait()
                statuses.append(client().patch(url, body, content_type="application/json").status_code)
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=patch, args=({"PAT_MAX_LIFETIME_SECONDS": 100},)),
            threading.Thread(target=patch, args=({"PAT_DEFAULT_LIFETIME_SECONDS": 1000},)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert all(status in (200, 400) for status in statuses), statuses
        stored = client().get(url).json()
        maximum, default = stored["PAT_MAX_LIFETIME_SECONDS"], stored["PAT_DEFAULT_LIFETIME_SECONDS"]
        assert maximum is None or default is None or default <= maximum, (stored, statuses)
