"""POST /api/v2/credentials/revoke/: anyone reports leaked token values and the live ones stop working.

Black-box through HTTP: the reporter is anonymous (or sends credentials that play no part),
the answer never tells which values were tokens, the owner hears of it by email, the
activity stream names the reporter's address and never a value, and reports are limited
per client address.
"""

import json
import re
import secrets
import time
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from activity.models import ActivityEntry
from tests import factories
from tests.support.oauth import app_with_secret, bearer, password_grant, refresh_grant
from tokens.models import AccessToken, RefreshToken
from tokens.services import REPORTED_OPERATION
from tokensvc import tokenformat
from tokensvc.api.throttles import AddressRateThrottle
from tokensvc.limits import REPORTED_TOKENS_MAX, REPORTED_VALUE_MAX_LENGTH

URL = "/api/v2/credentials/revoke/"
REPORTER = "203.0.113.7"


@pytest.fixture
def owner(org):
    return factories.user("olivia", member_of=[org], email="olivia@example.com")


@pytest.fixture
def report(django_capture_on_commit_callbacks):
    """`report(values, client=None, **extra)`: POST the values as an anonymous caller from REPORTER."""

    def post(values, client=None, **extra):
        extra.setdefault("REMOTE_ADDR", REPORTER)
        with django_capture_on_commit_callbacks(execute=True):
            return (client or APIClient()).post(URL, {"tokens": values}, format="json", **extra)

    return post


def authenticates(value) -> int:
    return APIClient().get("/api/v2/me/", **bearer(value)).status_code


def reported_entries():
    return list(ActivityEntry.objects.filter(operation=REPORTED_OPERATION).order_by("object_id"))


def well_formed_unknown(prefix=tokenformat.PERSONAL) -> str:
    """A value in the token format with a correct checksum that no token has."""
    return tokenformat.generate(prefix)


def assert_accepted(response, received: int) -> dict:
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["received"] == received
    assert set(body) == {"detail", "received"}
    assert response["Cache-Control"] == "no-store"
    return body


def assert_nowhere(value: str) -> None:
    """The value is in no activity record and no email."""
    for entry in ActivityEntry.objects.all():
        assert value not in json.dumps(entry.changes) and value not in entry.object_repr
    for message in mail.outbox:
        assert value not in message.body and value not in message.subject


# What gets revoked --------------------------------------------------------------------------------


def test_a_reported_pat_stops_working_and_its_owner_hears_of_it(owner, report):
    issued = factories.personal_token(owner, description="deploy key")
    other = factories.personal_token(owner, description="kept")
    assert authenticates(issued.value) == 200

    assert_accepted(report([issued.value]), received=1)

    assert authenticates(issued.value) == 401
    assert authenticates(other.value) == 200
    [entry] = reported_entries()
    assert (entry.object_type, entry.object_id) == ("o_auth2_access_token", issued.token.pk)
    assert entry.actor is None and entry.actor_username == ""
    assert entry.subject_user_id == owner.pk
    assert entry.changes["token_hint"] == issued.token.token_hint == issued.value[-4:]
    assert entry.changes["remote_addr"] == REPORTER
    assert entry.changes["description"] == "deploy key"
    [message] = mail.outbox
    assert message.to == ["olivia@example.com"]
    assert "reported as leaked" in message.subject
    when = entry.timestamp.date().isoformat()
    for expected in ("deploy key", f"...{issued.token.token_hint}", REPORTER, when, "What to do next"):
        assert expected in message.body, expected
    assert_nowhere(issued.value)


def test_a_reported_application_token_goes_with_its_refresh_token(org, owner, report):
    app, secret = app_with_secret(org)
    granted = password_grant(app, secret, owner).json()

    assert_accepted(report([granted["access_token"]]), received=1)

    assert authenticates(granted["access_token"]) == 401
    refreshed = refresh_grant(app, secret, granted["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    [entry] = reported_entries()
    assert entry.changes["token_hint"] == granted["access_token"][-4:]
    assert entry.organization_id == org.pk
    assert len(mail.outbox) == 1 and app.name in mail.outbox[0].body
    assert_nowhere(granted["access_token"])
    assert_nowhere(granted["refresh_token"])


def test_a_reported_refresh_token_goes_with_its_access_token(org, owner, report):
    app, secret = app_with_secret(org)
    granted = password_grant(app, secret, owner).json()

    assert_accepted(report([granted["refresh_token"]]), received=1)

    assert authenticates(granted["access_token"]) == 401
    refreshed = refresh_grant(app, secret, granted["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    [entry] = reported_entries()
    assert entry.changes["token_hint"] == granted["access_token"][-4:]
    assert entry.changes["remote_addr"] == REPORTER
    assert len(mail.outbox) == 1
    assert_nowhere(granted["refresh_token"])


def test_a_live_refresh_token_ends_its_family_and_a_used_one_changes_nothing(org, owner, report):
    app, secret = app_with_secret(org)
    first = password_grant(app, secret, owner).json()
    second = refresh_grant(app, secret, first["refresh_token"]).json()
    assert authenticates(second["access_token"]) == 200
    family = RefreshToken.objects.get(token_checksum=tokenformat.digest(second["refresh_token"])).token_family

    # The used refresh token is no longer live: reporting it leaves its successors alone.
    assert_accepted(report([first["refresh_token"]]), received=1)
    assert authenticates(second["access_token"]) == 200
    assert reported_entries() == [] and mail.outbox == []

    assert_accepted(report([second["refresh_token"]]), received=1)
    assert authenticates(second["access_token"]) == 401
    assert not RefreshToken.objects.filter(token_family=family, revoked__isnull=True).exists()
    assert not AccessToken.objects.filter(user=owner, application=app, revoked_at__isnull=True).exists()
    assert refresh_grant(app, secret, second["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoked_expired_and_unknown_values_change_nothing(owner, report):
    revoked = factories.personal_token(owner)
    APIClient().delete(f"/api/v2/tokens/{revoked.token.pk}/", **bearer(revoked.value))
    expired = factories.personal_token(owner)
    AccessToken.objects.filter(pk=expired.token.pk).update(expires="2000-01-01T00:00:00Z")
    live = factories.personal_token(owner)
    before = list(AccessToken.objects.order_by("pk").values("pk", "revoked_at", "updated"))
    entries = ActivityEntry.objects.count()

    assert_accepted(report([revoked.value, expired.value, well_formed_unknown()]), received=3)

    assert list(AccessToken.objects.order_by("pk").values("pk", "revoked_at", "updated")) == before
    assert ActivityEntry.objects.count() == entries
    assert mail.outbox == []
    assert authenticates(live.value) == 200


def test_a_value_reported_twice_is_revoked_and_recorded_once(owner, report):
    issued = factories.personal_token(owner)
    assert_accepted(report([issued.value, issued.value, f" {issued.value}\n"]), received=3)
    assert_accepted(report([issued.value]), received=1)
    assert len(reported_entries()) == 1 and len(mail.outbox) == 1


def test_several_owners_each_hear_of_their_own_tokens_only(org, owner, report):
    other = factories.user("oscar", member_of=[org], email="oscar@example.com")
    mine = [factories.personal_token(owner, description=f"mine-{n}") for n in range(2)]
    theirs = factories.personal_token(other, description="theirs")

    assert_accepted(report([token.value for token in [*mine, theirs]]), received=3)

    by_address = {message.to[0]: message.body for message in mail.outbox}
    assert set(by_address) == {"olivia@example.com", "oscar@example.com"}
    assert "mine-0" in by_address["olivia@example.com"] and "mine-1" in by_address["olivia@example.com"]
    assert "theirs" not in by_address["olivia@example.com"]
    assert "theirs" in by_address["oscar@example.com"] and "mine-0" not in by_address["oscar@example.com"]


# The answer tells nothing ------------------------------------------------------------------------


def test_valid_and_invalid_reports_get_the_same_answer(org, owner, report):
    app, secret = app_with_secret(org)
    granted = password_grant(app, secret, owner).json()
    pat = factories.personal_token(owner)
    mixed = [
        pat.value,
        granted["refresh_token"],
        pat.value,  # a duplicate
        "ghp_" + secrets.token_hex(18),  # another service's format
        "tsp_" + "A" * 38,  # the format, a wrong checksum
        well_formed_unknown(tokenformat.ACCESS),
    ]
    invalid = ["nothing", "tsp_" + "B" * 38, well_formed_unknown(), "ghp_x", "", "tsr_short"]

    valid_answer = report(mixed)
    invalid_answer = report(invalid)

    assert valid_answer.status_code == invalid_answer.status_code == 202
    assert valid_answer.content == invalid_answer.content
    assert assert_accepted(valid_answer, received=6) == assert_accepted(invalid_answer, received=6)
    assert authenticates(pat.value) == 401 and authenticates(granted["access_token"]) == 401


def token_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if '"tokens_' in query["sql"]]


def test_values_not_in_the_token_format_are_never_looked_up(db, report):
    foreign = ["ghp_" + secrets.token_hex(18), "tsp_" + "A" * 38, "", "x" * REPORTED_VALUE_MAX_LENGTH]
    with CaptureQueriesContext(connection) as captured:
        assert_accepted(report(foreign), received=len(foreign))
    # The lookup runs all the same (one SELECT per table, of a digest no value has), so that
    # the time taken does not tell whether a value was in the format.
    lookups = token_queries(captured)
    assert len(lookups) == 2
    assert all(sql.startswith("SELECT") and "0" * 64 in sql for sql in lookups)
    assert not any(query["sql"].startswith(("UPDATE", "INSERT")) for query in captured.captured_queries)


# Many values at once --------------------------------------------------------------------------------


def queries_of(report, values) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert_accepted(report(values), received=len(values))
    return len(captured.captured_queries)


def test_a_thousand_values_cost_the_same_queries_as_a_few(org, owner, report, django_assert_max_num_queries):
    app, secret = app_with_secret(org)
    few = [factories.personal_token(owner).value, password_grant(app, secret, owner).json()["refresh_token"]]
    many = [factories.personal_token(owner).value, password_grant(app, secret, owner).json()["refresh_token"]]
    padding = [well_formed_unknown(prefix) for prefix in tokenformat.PREFIXES for _ in range(333)]
    many = many + padding[: REPORTED_TOKENS_MAX - len(many)]
    assert len(many) == REPORTED_TOKENS_MAX

    baseline = queries_of(report, few)
    with django_assert_max_num_queries(baseline):
        assert_accepted(report(many), received=REPORTED_TOKENS_MAX)
    assert baseline <= 14
    assert all(authenticates(value) == 401 for value in few + many[:1])
    assert len(reported_entries()) == 4


def test_a_full_report_of_the_longest_values_is_accepted(owner, report):
    issued = factories.personal_token(owner)
    values = [issued.value] + ["x" * REPORTED_VALUE_MAX_LENGTH] * (REPORTED_TOKENS_MAX - 1)
    assert_accepted(report(values), received=REPORTED_TOKENS_MAX)
    assert authenticates(issued.value) == 401


def test_a_thousand_unknown_values_are_two_lookups(db, report):
    values = [well_formed_unknown(prefix) for prefix in tokenformat.PREFIXES for _ in range(334)][:REPORTED_TOKENS_MAX]
    with CaptureQueriesContext(connection) as captured:
        assert_accepted(report(values), received=REPORTED_TOKENS_MAX)
    assert len(token_queries(captured)) == 2
    assert queries_of(report, values[:3]) == len(captured.captured_queries)


# Bad bodies -----------------------------------------------------------------------------------------

BAD_BODIES = {
    "missing": ({}, "tokens", "required"),
    "not-a-list": ({"tokens": "tsp_x"}, "tokens", "list"),
    "an-object": ({"tokens": {"a": "tsp_x"}}, "tokens", "list"),
    "null": ({"tokens": None}, "tokens", "null"),
    "empty": ({"tokens": []}, "tokens", "empty"),
    "too-many": ({"tokens": ["x"] * (REPORTED_TOKENS_MAX + 1)}, "tokens", str(REPORTED_TOKENS_MAX)),
    "a-number": ({"tokens": ["tsp_x", 12]}, "tokens", "string"),
    "a-boolean": ({"tokens": [True]}, "tokens", "string"),
    "a-null-value": ({"tokens": [None]}, "tokens", "null"),
    "a-nested-list": ({"tokens": [["tsp_x"]]}, "tokens", "string"),
    "an-object-value": ({"tokens": [{"token": "tsp_x"}]}, "tokens", "string"),
    "over-long": ({"tokens": ["x" * (REPORTED_VALUE_MAX_LENGTH + 1)]}, "tokens", str(REPORTED_VALUE_MAX_LENGTH)),
    "nul": ({"tokens": ["tsp_\u0000abc"]}, "tokens", "null character"),
    "unknown-field": ({"tokens": ["x"], "token": "tsp_x"}, "token", "unknown field"),
}


@pytest.mark.parametrize(("body", "field", "reason"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_bad_body_is_a_400_naming_the_field_and_reason(owner, body, field, reason):
    issued = factories.personal_token(owner)
    if body.get("tokens") and isinstance(body["tokens"], list):
        body = {**body, "tokens": [issued.value, *body["tokens"]]}  # a valid value too: nothing is revoked

    response = APIClient().post(URL, body, format="json")

    assert response.status_code == 400, response.content
    assert response["Cache-Control"] == "no-store"
    errors = response.json()
    assert field in errors, errors
    assert reason in json.dumps(errors[field]).lower(), errors
    assert issued.value not in response.content.decode()
    assert authenticates(issued.value) == 200


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ('["tsp_x"]', "application/json"),
        ("tokens=tsp_x", "application/x-www-form-urlencoded"),
        ('{"tokens": ["tsp_x"]}', "text/plain"),
        ('{"tokens": [', "application/json"),
    ],
    ids=["a-json-list", "a-form", "text-plain", "malformed-json"],
)
def test_a_body_that_is_not_a_json_object_is_refused(db, content, content_type):
    response = APIClient().generic("POST", URL, content, content_type=content_type)
    assert response.status_code in {400, 415}, response.content
    assert "detail" in response.json() or "non_field_errors" in response.json()


# Credentials play no part -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    ["Bearer tsp_not-a-token", "Bearer " + tokenformat.generate(tokenformat.PERSONAL), "Basic Zm9vOmJhcg==", "Bearer"],
    ids=["malformed-bearer", "unknown-bearer", "wrong-basic", "empty-bearer"],
)
def test_bad_credentials_do_not_turn_a_report_into_a_401(owner, report, authorization):
    issued = factories.personal_token(owner)
    assert_accepted(report([issued.value], HTTP_AUTHORIZATION=authorization), received=1)
    assert authenticates(issued.value) == 401


def test_a_report_sent_with_the_leaked_token_itself_as_bearer_revokes_it(owner, report):
    issued = factories.personal_token(owner)
    assert_accepted(report([issued.value], HTTP_AUTHORIZATION=f"Bearer {issued.value}"), received=1)
    assert authenticates(issued.value) == 401
    [entry] = reported_entries()
    assert entry.actor is None  # the report is nobody's act, whatever credentials came with it


def test_a_read_token_reports_like_anyone(owner, client_for, report):
    issued = factories.personal_token(owner)
    assert_accepted(report([issued.value], client=client_for(owner, scope="read")), received=1)
    assert authenticates(issued.value) == 401


def test_a_signed_in_browser_needs_no_csrf_token_and_lends_nothing(owner, plain_user, report):
    """A cross-site POST could only do what any caller may do directly: the session is never read."""
    issued = factories.personal_token(owner)
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(plain_user)

    assert_accepted(report([issued.value], client=browser), received=1)

    [entry] = reported_entries()
    assert entry.actor is None and entry.actor_username == ""
    # What an HTML form of another site can send without a CORS preflight is refused.
    form = browser.post(URL, {"tokens": [issued.value]}, REMOTE_ADDR=REPORTER)
    assert form.status_code == 415
    text = browser.generic("POST", URL, json.dumps({"tokens": ["x"]}), content_type="text/plain")
    assert text.status_code == 415


def test_anyone_reads_how_to_report(db):
    response = APIClient().get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["max_tokens"] == REPORTED_TOKENS_MAX
    assert body["access_token_pattern"] == tokenformat.ACCESS_TOKEN_PATTERN
    assert body["refresh_token_pattern"] == tokenformat.REFRESH_TOKEN_PATTERN


def test_the_api_root_lists_it(db):
    assert APIClient().get("/api/v2/").json()["credentials_revoke"] == URL


# Rate limit -------------------------------------------------------------------------------------------


class Clock:
    """The time the rate limit reads: pinned one second into a minute, moved only by the test."""

    def __init__(self):
        self.now = (time.time() // 60 + 1) * 60 + 1

    def __call__(self, throttle=None):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    pinned = Clock()
    monkeypatch.setattr(AddressRateThrottle, "timer", pinned)
    return pinned


@pytest.fixture
def limit(settings, clock):
    """Three reports a minute per address."""
    rates = {**settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}), "credentials_revoke": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    return 3


def test_the_default_limit_is_ten_a_minute(db, settings, clock):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["credentials_revoke"] == "10/min"
    client = APIClient()
    statuses = [client.post(URL, {"tokens": ["x"]}, format="json").status_code for _ in range(11)]
    assert statuses == [202] * 10 + [429]


def test_over_the_limit_is_a_429_with_retry_after(owner, limit, report):
    issued = factories.personal_token(owner)
    answers = [report(["x"]) for _ in range(limit)]
    assert [answer.status_code for answer in answers] == [202] * limit

    refused = report([issued.value])

    assert refused.status_code == 429, refused.content
    assert set(refused.json()) == {"detail"}
    assert refused["Retry-After"] == "59"
    assert refused["Cache-Control"] == "no-store"
    assert authenticates(issued.value) == 200  # the refused report revoked nothing


def test_the_next_minute_brings_a_new_allowance(db, limit, clock, report):
    assert [report(["x"]).status_code for _ in range(limit + 1)] == [202] * limit + [429]
    clock.now += 58
    refused = report(["x"])
    assert refused.status_code == 429 and refused["Retry-After"] == "1"
    clock.now += 1
    assert [report(["x"]).status_code for _ in range(limit + 1)] == [202] * limit + [429]


def test_bad_bodies_count_against_the_limit(db, limit):
    client = APIClient()
    statuses = [client.post(URL, {"tokens": []}, format="json", REMOTE_ADDR=REPORTER).status_code for _ in range(4)]
    assert statuses == [400] * limit + [429]


def test_the_limit_is_per_address_not_per_forwarded_header(db, limit, report):
    for n in range(limit):
        assert report(["x"], HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code == 202
    # An untrusted peer that writes another address into X-Forwarded-For is still itself.
    assert report(["x"], HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429
    assert report(["x"], REMOTE_ADDR="203.0.113.8").status_code == 202


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(owner, limit, settings, report):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    issued = factories.personal_token(owner)
    for _ in range(limit):
        assert report(["x"], REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 202
    assert report(["x"], REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    forwarded = report([issued.value], REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert forwarded.status_code == 202
    [entry] = reported_entries()
    assert entry.changes["remote_addr"] == "198.51.100.2"
    assert "198.51.100.2" in mail.outbox[0].body


def test_reading_how_to_report_is_not_counted(db, limit):
    client = APIClient()
    assert [client.get(URL).status_code for _ in range(limit + 2)] == [200] * (limit + 2)
    assert client.post(URL, {"tokens": ["x"]}, format="json").status_code == 202


# The patterns README gives secret scanners --------------------------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"


def documented_patterns() -> list[str]:
    """The code blocks of README's "Reporting a leaked token" section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Reporting a leaked token\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```\n(.*?)\n```", section, flags=re.DOTALL)


def test_readme_gives_the_scanner_patterns_of_tokenformat(db):
    assert documented_patterns() == [tokenformat.ACCESS_TOKEN_PATTERN, tokenformat.REFRESH_TOKEN_PATTERN]


def test_the_documented_patterns_find_real_values_and_only_their_kind(org, owner, report):
    access_pattern, refresh_pattern = (re.compile(pattern) for pattern in documented_patterns())
    app, secret = app_with_secret(org)
    granted = password_grant(app, secret, owner).json()
    pat = factories.personal_token(owner).value
    created = factories.application_token(owner, app)
    access_values = [pat, granted["access_token"], created.value]
    refresh_values = [granted["refresh_token"], created.refresh_value]
    leak = "\n".join(
        [f"export TOKEN={pat}", f'{{"access_token": "{granted["access_token"]}"}}', f"token: '{created.value}'"]
        + [f"refresh={refresh_values[0]};", f"Authorization: Bearer {refresh_values[1]}"]
        + ["tsp_tooshort", "xtsp_" + "a" * 38, "tsp_" + "a" * 39]
    )

    assert access_pattern.findall(leak) == access_values
    assert refresh_pattern.findall(leak) == refresh_values
    # What a scanner finds with them, reported as found, ends every one of them.
    assert_accepted(report(access_pattern.findall(leak) + refresh_pattern.findall(leak)), received=5)
    assert all(authenticates(value) == 401 for value in access_values)
    assert not RefreshToken.objects.filter(user=owner, revoked__isnull=True).exists()
