"""Races against a live deployment: two gunicorn servers of 2 workers x 2 threads on one PostgreSQL database.

Every race releases its requests together from threads that each hold their own HTTP
connection, spread over both servers, and is run for several trials. What each race must
leave behind is checked through the API afterwards, not in the database.
"""

import pytest

from tests.support.servers import basic, is_postgresql

from .live import Deployment, deployment, race

pytestmark = pytest.mark.skipif(
    not is_postgresql(),
    reason="races between worker processes need a shared PostgreSQL database (run with DATABASE_URL=postgres://...)",
)

TRIALS = 3
REFRESHERS = 20
ROTATORS = 8
CREATORS = 8
HAMMERS = 8


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    yield from deployment(tmp_path_factory.mktemp("races"))


@pytest.fixture(scope="module")
def world(live: Deployment):
    """An organization, a member with a password, and a confidential password-grant application in it."""
    org = live.created("/api/v2/organizations/", {"name": "Racing"})
    member, password = live.user("alice")
    app = live.created(
        "/api/v2/applications/",
        {
            "name": "Race client",
            "organization": org["id"],
            "client_type": "confidential",
            "authorization_grant_type": "password",
        },
    )
    # Alice's own PAT: the credential she manages her tokens with, never one that a race ends.
    manager = live.pat(basic(member["username"], password), description="alice manages her tokens")
    return {"org": org, "member": member, "password": password, "app": app, "bearer": f"Bearer {manager['token']}"}


def password_grant(live: Deployment, world: dict) -> dict:
    app = world["app"]
    answer = live.call(
        "POST",
        "/api/o/token/",
        form={
            "grant_type": "password",
            "username": world["member"]["username"],
            "password": world["password"],
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert answer.status == 200, answer.body
    assert isinstance(answer.body, dict)
    return answer.body


def refresh_form(world: dict, refresh_token: str) -> dict:
    app = world["app"]
    return {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    }


def me_status(live: Deployment, value: str, index: int = 0) -> int:
    return live.call("GET", "/api/v2/me/", auth=f"Bearer {value}", index=index).status


# Refresh grants ------------------------------------------------------------------------------


@pytest.mark.parametrize("trial", range(TRIALS))
def test_concurrent_refreshes_of_one_refresh_token_mint_exactly_one_pair(live, world, trial):
    """One 200, the rest invalid_grant; the family keeps exactly the winner's pair, which goes on refreshing.

    The losers present a refresh token that the winner has just used. Within
    REFRESH_TOKEN_REUSE_LEEWAY_SECONDS of its use that is a concurrent duplicate, refused
    without revoking the family (README, Refresh tokens).
    """
    issued = password_grant(live, world)
    form = refresh_form(world, issued["refresh_token"])
    answers = race(live, [lambda c: c.send("POST", "/api/o/token/", form=form)] * REFRESHERS)

    winners = [answer for answer in answers if answer.status == 200]
    losers = [answer for answer in answers if answer.status != 200]
    assert len(winners) == 1, [(a.status, a.body) for a in answers]
    assert all(answer.status == 400 for answer in losers), [(a.status, a.body) for a in losers]
    assert all(isinstance(a.body, dict) and a.body["error"] == "invalid_grant" for a in losers), [
        a.body for a in losers
    ]
    assert all("already been used" in a.body["error_description"] for a in losers), [a.body for a in losers]
    winner = winners[0].body
    assert isinstance(winner, dict)

    # The old access token is over; the winner's works on every server.
    assert me_status(live, issued["access_token"]) == 401
    assert {me_status(live, winner["access_token"], index) for index in range(2)} == {200}
    # Exactly one live access token of the user for the application: the winner's.
    live_tokens = live.live_tokens(user=world["member"]["id"], application=world["app"]["id"])
    assert len(live_tokens) == 1, live_tokens
    assert winner["access_token"].endswith(live_tokens[0]["token_hint"])
    # The family was not revoked: the winner's refresh token goes on.
    again = live.call("POST", "/api/o/token/", form=refresh_form(world, winner["refresh_token"]), index=1)
    assert again.status == 200, again.body
    assert isinstance(again.body, dict)
    assert me_status(live, winner["access_token"]) == 401
    assert me_status(live, again.body["access_token"]) == 200
    assert len(live.live_tokens(user=world["member"]["id"], application=world["app"]["id"])) == 1
    # Tidy up for the next trial: revoke this family's last pair.
    revoked = live.call(
        "POST",
        "/api/o/revoke_token/",
        form={
            "token": again.body["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": world["app"]["client_id"],
            "client_secret": world["app"]["client_secret"],
        },
    )
    assert revoked.status == 200, revoked.body
    assert live.live_tokens(user=world["member"]["id"], application=world["app"]["id"]) == []
