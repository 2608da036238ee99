"""The token lists run the same number of queries for 2 rows as for 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

LISTS = [
    "/api/v2/tokens/",
    "/api/v2/users/OWNER/tokens/",
    "/api/v2/users/OWNER/authorized_tokens/",
    "/api/v2/users/OWNER/personal_tokens/",
    "/api/v2/applications/APP/tokens/",
    "/api/v2/tokens/?status=all",
    "/api/v2/users/OWNER/tokens/?status=revoked",
]


def count_queries(client, path) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries), response.json()["count"]


def add_tokens(owner, app, rounds):
    """Each round: an application token and a PAT, revoked in every other round."""
    for index in range(rounds):
        for issued in (
            factories.application_token(owner, app, description=f"a{index}"),
            factories.personal_token(owner, description=f"p{index}"),
        ):
            if index % 2:
                issued.token.revoke(by=owner)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("viewer", ["org_member", "org_admin", "superuser"])
def test_token_lists_do_not_grow_with_rows(client_for, persona, org, org_member, path, viewer):
    app = factories.application(org, name="Counted")
    # An org admin does not see the members' personal tokens: count the admin's own there.
    owner = persona(viewer) if viewer == "org_admin" and "personal_tokens" in path else org_member
    path = path.replace("APP", str(app.pk)).replace("OWNER", owner.username)
    path += ("&" if "?" in path else "?") + "page_size=100"
    client = client_for(persona(viewer))
    client.get("/api/v2/me/")  # the first use of a token records last_used; later requests do not
    add_tokens(owner, app, 2)
    few, few_rows = count_queries(client, path)
    add_tokens(owner, app, 25)
    many, many_rows = count_queries(client, path)
    assert many_rows > few_rows
    assert many == few


# The Bearer hot path: a bound token costs no query an unbound one does not ----------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("viewer", ["org_member", "org_admin", "superuser"])
def test_a_bound_token_adds_no_query_to_the_hot_path(client_for, persona, org, viewer):
    user = persona(viewer)
    unbound, bound = client_for(user), client_for(user, organization=org)
    bound_pat = factories.personal_token(user, organization=org).token
    for client in (unbound, bound):
        client.get("/api/v2/me/")  # the first use records last_used; later requests do not
    for path in ("/api/v2/me/", f"/api/v2/tokens/{bound_pat.pk}/", f"/api/v2/organizations/{org.pk}/"):
        assert _queries(bound, path) == _queries(unbound, path), path


# The benchmark's hot paths (bench/run scenarios 2-4 and 7): fixed budgets, no writes in steady state --

# Creating a PAT: the owner's row locked, policy reads, the insert, its activity record, the
# savepoints around them; revoking: the lock, the conditional update, refresh tokens, the record.
CREATE_BUDGET, REVOKE_BUDGET = 13, 10


def _statements(client, method, path, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, **extra)
    assert response.status_code < 300, response.content
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    return response, len(queries), writes


@pytest.mark.parametrize(
    ("path", "budget"),
    [
        ("/api/v2/me/", 1),  # the token with its user, in one statement
        ("/api/v2/tokens/PAT/", 2),  # the token, then the visible row
        ("/api/v2/tokens/?page_size=200", 3),  # the token, the count, the page
    ],
)
def test_bearer_hot_paths_keep_their_query_budget_and_write_nothing(client_for, org_member, path, budget):
    client = client_for(org_member)
    for index in range(30):
        factories.personal_token(org_member, description=f"filler {index}")
    path = path.replace("PAT", str(client.token.pk))
    client.get("/api/v2/me/")  # the first use records last_used, once per interval

    for _ in range(3):
        _, count, writes = _statements(client, "get", path)
        assert count <= budget, path
        assert writes == []


def test_creating_and_revoking_a_pat_keeps_its_query_budget(client_for, org_member):
    client = client_for(org_member)
    client.get("/api/v2/me/")
    created, create_count, _ = _statements(
        client, "post", "/api/v2/tokens/", data={"description": "bench", "scope": "read"}, format="json"
    )
    _, revoke_count, _ = _statements(client, "delete", f"/api/v2/tokens/{created.json()['id']}/")
    assert create_count <= CREATE_BUDGET
    assert revoke_count <= REVOKE_BUDGET
