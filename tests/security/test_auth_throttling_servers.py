"""The failed-authentication limits hold across two gunicorn servers sharing one Redis.

Failures alternate between the servers; the lock is reached at the configured limit, counted
once for both, and refuses the next attempt on either server. Runs on PostgreSQL (the
servers share a database made for the test) with a Redis database index of its own,
emptied before and after.
"""

import os
import secrets

import pytest
import redis

from tests.support.environment import unavailable
from tests.support.servers import basic, is_postgresql, request, scratch_database, server_env, two_servers

pytestmark = pytest.mark.skipif(
    not is_postgresql(),
    reason="several servers share a PostgreSQL database (run with DATABASE_URL=postgres://...)",
)

REDIS_URL = os.environ.get("AUTH_LIMITS_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
ADMIN, ADMIN_PASSWORD = "admin", "limits-" + secrets.token_hex(8)
PER_USERNAME, PER_ADDRESS, WINDOW = 4, 10, 600


@pytest.fixture
def shared_redis():
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.flushdb()
    except redis.exceptions.ConnectionError:
        unavailable(f"no Redis at {REDIS_URL} (.ci/run starts it)")
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def servers(shared_redis, tmp_path):
    with scratch_database("limits") as database_url:
        env = server_env(
            database_url,
            tmp_path,
            REDIS_URL=REDIS_URL,
            AUTH_FAILURE_LIMIT_PER_USERNAME=str(PER_USERNAME),
            AUTH_FAILURE_LIMIT_PER_ADDRESS=str(PER_ADDRESS),
            AUTH_FAILURE_WINDOW_SECONDS=str(WINDOW),
        )
        with two_servers(env, tmp_path, (ADMIN, ADMIN_PASSWORD)) as pair:
            yield pair


def me(server, username, password):
    return request(server, "GET", "/api/v2/me/", auth=basic(username, password))


def test_limits_are_shared_by_two_servers_through_redis(servers):
    first, second = servers
    both = [first, second]
    assert me(first, ADMIN, ADMIN_PASSWORD)[0] == 200

    # Per username: failures alternate between the servers (each has two worker processes).
    for attempt in range(PER_USERNAME):
        status, body, _ = me(both[attempt % 2], ADMIN, f"wrong-{attempt}")
        assert status == 401, body
    for server in both:
        status, body, headers = me(server, ADMIN, ADMIN_PASSWORD)
        assert status == 429, body
        assert 0 < int(headers["Retry-After"]) <= WINDOW
        assert "this username" in body["detail"]

    # Per address: the failures above count too; new names fill the address's limit.
    for attempt in range(PER_ADDRESS - PER_USERNAME):
        assert me(both[attempt % 2], f"ghost-{attempt}", "wrong")[0] == 401
    for server in both:
        status, body, _ = me(server, f"someone-{server.port}", "wrong")
        assert status == 429 and "this address" in body["detail"], body

    # The lock started once, on whichever server counted the limit-th failure.
    logs = first.log() + second.log()
    assert logs.count("auth lockout started: username") == 1
    assert logs.count("auth lockout started: address") == 1
    assert ADMIN_PASSWORD not in logs and "wrong-0" not in logs
