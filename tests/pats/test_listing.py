"""The List operation: which PATs, every filter and sort, keyset pages, and paging while PATs are created."""

import itertools
import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from tests import factories
from tests.pats.conftest import url
from tokens import services
from tokens.models import AccessToken


def listing(client, org, query=""):
    response = client.get(url(org.name, query))
    assert response.status_code == 200, response.content
    return response.json()


def names(body):
    return [item["displayName"] for item in body["patTokens"]]


def every_page(client, org, query, tops=(100,)):
    """Every PAT of a listing, page by page (`tops` cycled as $top); and how many pages it took."""
    found, continuation = [], None
    for pages, top in enumerate(itertools.cycle(tops), start=1):
        extra = f"&continuationToken={continuation}" if continuation else ""
        body = listing(client, org, f"{query}&$top={top}{extra}")
        found += body["patTokens"]
        continuation = body["continuationToken"]
        if not continuation:
            return found, pages
    raise AssertionError("unreachable")


def make(owner, name, days, *, status="active", organization=None):
    token = services.token_issue(
        actor=owner, user=owner, description=name, expires=timezone.now() + timedelta(days=days)
    ).token
    changes = {"organization": organization}
    if status == "expired":
        changes["expires"] = timezone.now() - timedelta(days=days)
    if status == "revoked":
        changes["revoked_at"] = timezone.now()
    AccessToken.objects.filter(pk=token.pk).update(**changes)
    return token


@pytest.fixture
def alice(pats_client, member):
    return pats_client(member)


@pytest.fixture
def world(member, org, other_org, web_app):
    """The member's PATs in every state, and what must never be listed for them in `org`."""
    make(member, "delta", 5)
    make(member, "alpha", 9, organization=org)
    make(member, "charlie", 7)
    make(member, "bravo", 2, status="expired")
    make(member, "echo", 3, status="revoked")
    make(member, "foxtrot", 4, status="expired", organization=org)
    # Never listed here: bound to another organization, an application token, someone else's.
    make(member, "elsewhere", 1, organization=other_org)
    factories.application_token(member, web_app, description="app token")
    make(factories.user("bob", member_of=[org]), "bobs", 1)


# Which PATs -----------------------------------------------------------------------------------

FILTERED = {
    "active": ["alpha", "charlie", "delta"],
    "expired": ["bravo", "foxtrot"],
    "revoked": ["echo"],
    "all": ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"],
}


@pytest.mark.parametrize("option", FILTERED)
def test_each_filter_lists_the_callers_pats_usable_in_the_organization(alice, org, world, option):
    assert names(listing(alice, org, f"displayFilterOption={option}")) == FILTERED[option]


def test_active_is_the_default_filter_and_display_name_ascending_the_default_order(alice, org, world):
    body = listing(alice, org)
    assert names(body) == FILTERED["active"] and body["continuationToken"] is None
    assert [item["token"] for item in body["patTokens"]] == [None, None, None]


def test_filter_values_match_regardless_of_case(alice, org, world):
    assert names(listing(alice, org, "displayFilterOption=Expired&sortByOption=DisplayName")) == FILTERED["expired"]


SORTED = {
    # all PATs: name, expiry in days (negative: past), status
    "displayName": ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"],
    "displayDate": ["foxtrot", "bravo", "echo", "delta", "charlie", "alpha"],
}


@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("sort", SORTED)
def test_each_sort_in_both_directions(alice, org, world, sort, ascending):
    expected = SORTED[sort] if ascending else SORTED[sort][::-1]
    query = f"displayFilterOption=all&sortByOption={sort}&isSortAscending={str(ascending).lower()}"
    assert names(listing(alice, org, query)) == expected
    # The same order page by page.
    assert [item["displayName"] for item in every_page(alice, org, query, tops=(1, 2))[0]] == expected


@pytest.mark.parametrize("ascending", [True, False])
def test_status_sort_breaks_ties_by_creation(alice, org, world, ascending):
    # active, then expired, then revoked; within a status in the order of creation (reversed when descending).
    expected = ["delta", "alpha", "charlie", "bravo", "foxtrot", "echo"]
    query = f"displayFilterOption=all&sortByOption=status&isSortAscending={str(ascending).lower()}"
    order = expected if ascending else expected[::-1]
    assert names(listing(alice, org, query)) == order
    assert [item["displayName"] for item in every_page(alice, org, query, tops=(2,))[0]] == order


def test_equal_names_are_ordered_by_creation_and_names_ignore_case(alice, member, org):
    for name in ("same", "Same", "same", "apple", "Banana"):
        make(member, name, 3)
    assert names(listing(alice, org, "isSortAscending=true")) == ["apple", "Banana", "same", "Same", "same"]
    assert names(listing(alice, org, "isSortAscending=false")) == ["same", "Same", "same", "Banana", "apple"]


def test_top_defaults_to_and_is_at_most_100(alice, member, org):
    AccessToken.objects.bulk_create(
        AccessToken(
            user=member,
            description=f"pat {index:03}",
            expires=timezone.now() + timedelta(days=1),
            token_checksum=f"{index:064}",
        )
        for index in range(101)
    )
    first = listing(alice, org)
    assert len(first["patTokens"]) == 100 and first["continuationToken"]
    rest = listing(alice, org, f"continuationToken={first['continuationToken']}")
    assert names(rest) == ["pat 100"] and rest["continuationToken"] is None
    assert len(listing(alice, org, "$top=100")["patTokens"]) == 100


def test_pages_cover_everything_exactly_once(alice, org, member):
    for index in range(11):
        make(member, f"p{index:02}", index + 1)
    found, pages = every_page(alice, org, "sortByOption=displayDate", tops=(3,))
    assert [item["displayName"] for item in found] == [f"p{index:02}" for index in range(11)]
    assert pages == 4


# Bad parameters -------------------------------------------------------------------------------

BAD_PARAMETERS = [
    ("isSortAscending", "maybe"),
    ("isSortAscending", ""),
    ("$top", "0"),
    ("$top", "-1"),
    ("$top", "101"),
    ("$top", "abc"),
    ("$top", "1.5"),
    ("$top", " 5"),
    ("displayFilterOption", "x"),
    ("displayFilterOption", ""),
    ("sortByOption", "validTo"),
    ("continuationToken", "garbage"),
]


@pytest.mark.parametrize(("name", "value"), BAD_PARAMETERS, ids=[f"{name}={value}" for name, value in BAD_PARAMETERS])
def test_a_bad_parameter_value_is_a_400_naming_it(alice, org, name, value):
    response = alice.get(url(org.name, f"{name}={value.replace(' ', '%20')}"))
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith(f"{name}:"), response.json()


def test_a_repeated_parameter_is_a_400(alice, org):
    response = alice.get(url(org.name, "$top=2&$top=3"))
    assert response.status_code == 400 and "$top" in response.json()["message"]


CHANGED = [
    "displayFilterOption=all",
    "sortByOption=displayDate",
    "isSortAscending=false",
]


@pytest.mark.parametrize("change", CHANGED)
def test_a_continuation_token_is_refused_with_another_filter_or_sort(alice, org, member, change):
    for index in range(3):
        make(member, f"p{index}", 3)
    continuation = listing(alice, org, "$top=1")["continuationToken"]
    response = alice.get(url(org.name, f"$top=1&{change}&continuationToken={continuation}"))
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith("continuationToken:")
    # With the first page's parameters (and any $top) it goes on.
    assert names(listing(alice, org, f"$top=2&continuationToken={continuation}")) == ["p1", "p2"]


def test_a_continuation_token_is_refused_in_another_organization(alice, org, other_org, member):
    factories.user("x", member_of=[other_org])
    member.memberships.create(organization=other_org, role="member")
    for index in range(3):
        make(member, f"p{index}", 3)
    continuation = listing(alice, org, "$top=1")["continuationToken"]
    response = alice.get(url(other_org.name, f"continuationToken={continuation}"))
    assert response.status_code == 400 and response.json()["message"].startswith("continuationToken:")


def test_an_altered_continuation_token_is_refused(alice, org, member):
    for index in range(3):
        make(member, f"p{index}", 3)
    continuation = listing(alice, org, "$top=1")["continuationToken"]
    altered = continuation[:-2] + ("AA" if not continuation.endswith("AA") else "BB")
    assert alice.get(url(org.name, f"continuationToken={altered}")).status_code == 400


def test_a_pat_expiring_while_paging_stays_in_its_place(alice, org, member):
    tokens = [make(member, f"p{index}", 3) for index in range(4)]
    first = listing(alice, org, "$top=2")
    # p3 expires after the first page was read and before the next one is.
    AccessToken.objects.filter(pk=tokens[3].pk).update(expires=timezone.now() + timedelta(milliseconds=50))
    time.sleep(0.1)
    assert names(listing(alice, org)) == ["p0", "p1", "p2"]
    rest = listing(alice, org, f"$top=2&continuationToken={first['continuationToken']}")
    assert names(first) + names(rest) == ["p0", "p1", "p2", "p3"]


# Paging while PATs are created ----------------------------------------------------------------

INITIAL = 15
INSERTS_PER_WORKER = 40
# More pages than the initial and inserted PATs could fill at two per page: a bound, not a guess.
MAX_PAGES = INITIAL + 2 * INSERTS_PER_WORKER


def insert_while(owner, stop: threading.Event, inserted: list, worker: int) -> None:
    """Create PATs through the service until `stop`, with names and expiries spread over the whole order."""
    try:
        # Bounded, so that paging always catches up: inserts landing ahead of the cursor
        # would otherwise keep a slow pager busy for ever on a loaded machine.
        for index in range(INSERTS_PER_WORKER):
            if stop.is_set():
                return
            name = f"{'mcaxz'[(index + worker) % 5]}-new-{worker}-{index:03}"
            days = 1 + (index * 7 + worker * 3) % 40
            services.token_issue(
                actor=owner, user=owner, description=name, expires=timezone.now() + timedelta(days=days)
            )
            inserted.append(name)
            time.sleep(0.002)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ascending", ["true", "false"])
@pytest.mark.parametrize("sort", ["displayName", "displayDate", "status"])
def test_pages_under_concurrent_inserts_have_no_duplicates_and_no_gaps(pats_client, sort, ascending):
    org = factories.organization("Paging")
    owner = factories.user("pager", member_of=[org])
    client = pats_client(owner)
    initial = [make(owner, f"{'bdnwy'[index % 5]}-old-{index:02}", 2 + index * 3) for index in range(INITIAL)]
    stop, inserted = threading.Event(), []
    workers = [threading.Thread(target=insert_while, args=(owner, stop, inserted, worker)) for worker in range(2)]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 30
        while len(inserted) < 2 and time.monotonic() < deadline:
            time.sleep(0.005)  # the first page is read with inserts under way
        query = f"sortByOption={sort}&isSortAscending={ascending}"
        found, pages = [], 0
        continuation = None
        for top in itertools.cycle((2, 3)):
            extra = f"&continuationToken={continuation}" if continuation else ""
            body = listing(client, org, f"{query}&$top={top}{extra}")
            found += [item["authorizationId"] for item in body["patTokens"]]
            pages += 1
            continuation = body["continuationToken"]
            time.sleep(0.01)  # let the inserters commit between pages
            if not continuation or pages >= MAX_PAGES:
                break
        during = len(inserted)
    finally:
        stop.set()
        for worker in workers:
            worker.join(30)
    assert not continuation, f"paging did not end within {MAX_PAGES} pages"
    assert during > 2, "no PAT was created while paging"
    assert pages >= INITIAL // 3
    assert len(found) == len(set(found)), "a PAT was listed twice"
    missing = {str(token.authorization_id) for token in initial} - set(found)
    assert not missing, "a PAT that existed before the first page was skipped"
