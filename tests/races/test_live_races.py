"""Races against a live deployment: two gunicorn servers of 2 workers x 2 threads on one PostgreSQL database.

Every race releases its requests together from threads that each hold their own HTTP
connection, spread over both servers, and is run for several trials. What each race must
leave behind is checked through the API afterwards, not in the database.
"""

import time
import uuid
from datetime import datetime, timedelta

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


# Rotation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("trial", range(TRIALS))
def test_concurrent_rotations_of_one_token_make_exactly_one_successor(live, world, trial):
    """One 201; every other rotation a 400 (already revoked when read) or 409 (rotated meanwhile), saying so."""
    target = live.pat(world["bearer"], description=f"rotate me {trial}")
    path = f"/api/v2/tokens/{target['id']}/rotate/"
    answers = race(live, [lambda c: c.send("POST", path, json_body={}, auth=world["bearer"])] * ROTATORS)

    created = [answer for answer in answers if answer.status == 201]
    refused = [answer for answer in answers if answer.status != 201]
    assert len(created) == 1, [(a.status, a.body) for a in answers]
    for answer in refused:
        assert answer.status in (400, 409), (answer.status, answer.body)
        assert "revoked" in answer.error_text() or "rotated" in answer.error_text(), answer.body
    successor = created[0].body
    assert isinstance(successor, dict) and successor["rotated_from"] == target["id"]

    assert me_status(live, target["token"]) == 401
    assert me_status(live, successor["token"], 1) == 200
    successors = [t for t in live.live_tokens(user=world["member"]["id"]) if t["rotated_from"] == target["id"]]
    assert [t["id"] for t in successors] == [successor["id"]]
    old = live.admin("GET", f"/api/v2/tokens/?status=revoked&id={target['id']}")
    assert isinstance(old.body, dict) and old.body["count"] == 1, old.body


# Revocation while the token is in use -----------------------------------------------------------


def hammer_then_revoke(live: Deployment, value: str, revoke) -> tuple[list, object]:
    """Threads send GET /api/v2/me/ with `value` on every worker while `revoke()` runs; (answers, its answer).

    Each hammering thread keeps sending until a while after the revocation answered, so that
    requests are in flight on both sides of it.
    """
    done: dict = {}
    deadline = time.monotonic() + 30

    def hammer(connection):
        answers = []
        while time.monotonic() < deadline:
            answers.append(connection.send("GET", "/api/v2/me/", auth=f"Bearer {value}"))
            finished = done.get("at")
            if finished is not None and answers[-1].started > finished + 0.3:
                break
        return answers

    def revoker(connection):
        time.sleep(0.3)  # the hammers are under way
        answer = revoke(connection)
        done["at"] = time.monotonic()
        return answer

    results = race(live, [hammer] * HAMMERS + [revoker])
    revocation = results[-1]
    assert revocation.status in (200, 204), (revocation.status, revocation.body)
    return [answer for answers in results[:-1] for answer in answers], revocation


def assert_revocation_is_immediate(answers: list, revocation) -> None:
    """Answered before the revocation was sent: 200. Sent after it was answered: 401. In between: either."""
    after = [answer for answer in answers if answer.started > revocation.finished]
    before = [answer for answer in answers if answer.finished < revocation.started]
    assert after, "no request started after the revocation answered"
    assert before and all(answer.status == 200 for answer in before), [a.status for a in before]
    assert {answer.status for answer in after} == {401}, [(a.status, a.started - revocation.finished) for a in after]
    # In flight across the revocation: either answer, nothing else.
    assert {answer.status for answer in answers} <= {200, 401}


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_pat_revoked_while_in_use_fails_every_request_started_after_the_revocation(live, world, trial):
    target = live.pat(world["bearer"], description=f"revoke me {trial}")
    answers, revocation = hammer_then_revoke(
        live,
        target["token"],
        lambda c: c.send("DELETE", f"/api/v2/tokens/{target['id']}/", auth=world["bearer"]),
    )
    assert_revocation_is_immediate(answers, revocation)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_an_application_token_revoked_at_the_revocation_endpoint_while_in_use(live, world, trial):
    issued = password_grant(live, world)
    app = world["app"]
    form = {"token": issued["access_token"], "client_id": app["client_id"], "client_secret": app["client_secret"]}
    answers, revocation = hammer_then_revoke(
        live, issued["access_token"], lambda c: c.send("POST", "/api/o/revoke_token/", form=form)
    )
    assert_revocation_is_immediate(answers, revocation)
    # Its refresh token went with it.
    refreshed = live.call("POST", "/api/o/token/", form=refresh_form(world, issued["refresh_token"]))
    assert refreshed.status == 400, refreshed.body


# Creating objects with the same name --------------------------------------------------------------


def assert_one_created(answers: list, field: str) -> dict:
    created = [answer for answer in answers if answer.status == 201]
    refused = [answer for answer in answers if answer.status != 201]
    assert len(created) == 1, [(a.status, a.body) for a in answers]
    for answer in refused:
        assert answer.status == 400, (answer.status, answer.body)
        assert isinstance(answer.body, dict) and field in answer.body, answer.body
    body = created[0].body
    assert isinstance(body, dict)
    return body


@pytest.mark.parametrize("trial", range(TRIALS))
def test_same_named_applications_created_at_once_make_one(live, world, trial):
    name = f"Twin {trial}"
    body = {
        "name": name,
        "organization": world["org"]["id"],
        "client_type": "confidential",
        "authorization_grant_type": "password",
    }
    answers = race(
        live, [lambda c: c.send("POST", "/api/v2/applications/", json_body=body, auth=live.admin_bearer)] * CREATORS
    )
    assert_one_created(answers, "name")
    listed = live.admin("GET", f"/api/v2/applications/?name={name.replace(' ', '+')}")
    assert isinstance(listed.body, dict) and listed.body["count"] == 1, listed.body


@pytest.mark.parametrize("trial", range(TRIALS))
def test_same_named_organizations_created_at_once_make_one(live, trial):
    name = f"Twins{trial}"
    answers = race(
        live,
        [lambda c: c.send("POST", "/api/v2/organizations/", json_body={"name": name}, auth=live.admin_bearer)]
        * CREATORS,
    )
    assert_one_created(answers, "name")
    listed = live.admin("GET", f"/api/v2/organizations/?name={name}")
    assert isinstance(listed.body, dict) and listed.body["count"] == 1, listed.body


@pytest.mark.parametrize("trial", range(TRIALS))
def test_users_whose_names_differ_only_in_case_created_at_once_make_one(live, trial):
    """`twin0`, `TWIN0`, `Twin0`...: one username as people read it, so exactly one account."""
    names = [f"twin{trial}", f"TWIN{trial}", f"Twin{trial}", f"tWin{trial}"] * (CREATORS // 4)

    def create(name):
        body = {"username": name, "password": f"pw-{uuid.uuid4().hex}", "email": f"{name}@example.com"}
        return lambda c: c.send("POST", "/api/v2/users/", json_body=body, auth=live.admin_bearer)

    answers = race(live, [create(name) for name in names])
    assert_one_created(answers, "username")
    listed = live.admin("GET", f"/api/v2/users/?username__iexact=twin{trial}")
    if listed.status == 400:  # no such filter: search instead
        listed = live.admin("GET", f"/api/v2/users/?search=twin{trial}")
    assert isinstance(listed.body, dict) and listed.body["count"] == 1, listed.body


# Settings changing while tokens are created ------------------------------------------------------------

HOUR = 3600
# Two consistent snapshots of the PAT lifetimes. A's default outlives B's maximum, so a token
# judged on a mix of them, or on A after B was in force, is caught.
SNAPSHOT_A = {"PAT_DEFAULT_LIFETIME_SECONDS": 4 * HOUR, "PAT_MAX_LIFETIME_SECONDS": 8 * HOUR}
SNAPSHOT_B = {"PAT_DEFAULT_LIFETIME_SECONDS": 1 * HOUR, "PAT_MAX_LIFETIME_SECONDS": 2 * HOUR}
EXPLICIT_HOURS = 6  # allowed under A only
FLIPS = 6


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize("trial", range(TRIALS))
def test_pats_created_while_lifetimes_change_follow_exactly_one_snapshot(live, world, trial):
    """Each PAT's expiry follows the settings in force when it was created: A's default and maximum, or B's.

    One thread flips the settings between A and B through the API; the others create PATs,
    half without `expires` (the default), half asking for 6 hours (within A's maximum only).
    Which snapshot was in force at a token's creation is read from the activity stream: the
    last settings change recorded before it.
    """
    settings_path = "/api/v2/settings/authentication/"
    assert live.admin("PATCH", settings_path, SNAPSHOT_A).status == 200
    since = live.admin("GET", "/api/v2/activity_stream/?page_size=1").body
    assert isinstance(since, dict)
    first_entry = since["results"][0]["id"]
    stop: dict = {}

    def flipper(connection):
        statuses = []
        for flip in range(FLIPS):
            snapshot = SNAPSHOT_B if flip % 2 == 0 else SNAPSHOT_A
            statuses.append(connection.send("PATCH", settings_path, json_body=snapshot, auth=live.admin_bearer).status)
            time.sleep(0.05)
        stop["at"] = True
        return statuses

    def creator(index):
        def create(connection):
            answers = []
            while "at" not in stop and len(answers) < 40:
                body: dict = {"description": f"lifetimes {trial}"}
                explicit = len(answers) % 2 == index % 2
                if explicit:
                    body["expires"] = (datetime.now().astimezone() + timedelta(hours=EXPLICIT_HOURS)).isoformat()
                answer = connection.send("POST", "/api/v2/tokens/", json_body=body, auth=world["bearer"])
                answers.append((explicit, answer))
            return answers

        return create

    results = race(live, [flipper] + [creator(index) for index in range(CREATORS - 1)])
    assert set(results[0]) == {200}, results[0]
    attempts = [attempt for answers in results[1:] for attempt in answers]

    changes = []
    page = live.admin("GET", f"/api/v2/activity_stream/?object_type=setting&id__gt={first_entry}&page_size=200")
    if page.status == 400:
        page = live.admin("GET", f"/api/v2/activity_stream/?id__gt={first_entry}&page_size=200")
    assert page.status == 200, page.body
    assert isinstance(page.body, dict)
    for entry in page.body["results"]:
        if "PAT_MAX_LIFETIME_SECONDS" in (entry.get("changes") or {}):
            maximum = entry["changes"]["PAT_MAX_LIFETIME_SECONDS"][1]
            changes.append((parse_time(entry["timestamp"]), SNAPSHOT_A if maximum == 8 * HOUR else SNAPSHOT_B))
    changes.sort(key=lambda change: change[0])
    assert len(changes) == FLIPS, changes

    def in_force(created: datetime) -> dict:
        current = SNAPSHOT_A
        for at, snapshot in changes:
            if at < created:
                current = snapshot
        return current

    checked = 0
    for explicit, answer in attempts:
        if answer.status == 400:
            assert explicit and "expires" in answer.error_text(), answer.body
            continue
        assert answer.status == 201, (answer.status, answer.body)
        body = answer.body
        assert isinstance(body, dict)
        created, expires = parse_time(body["created"]), parse_time(body["expires"])
        snapshot = in_force(created)
        lifetime = (expires - created).total_seconds()
        assert lifetime <= snapshot["PAT_MAX_LIFETIME_SECONDS"], (explicit, lifetime, snapshot, body["created"])
        if not explicit:
            assert abs(lifetime - snapshot["PAT_DEFAULT_LIFETIME_SECONDS"]) < 60, (lifetime, snapshot, body["created"])
        checked += 1
    assert checked >= CREATORS, attempts
