"""Who may introspect which token: a client its own tokens, a resource server any token."""

import pytest

from tests import factories
from tests.support.oauth import app_with_secret, basic, password_grant, post_form

# target                  plain client  resource server
MATRIX = [
    ("own_access_token", True, True),
    ("own_refresh_token", True, True),
    ("same_org_app_token", False, True),
    ("same_org_app_refresh_token", False, True),
    ("other_org_app_token", False, True),
    ("other_org_app_refresh_token", False, True),
    ("personal_access_token", False, True),
]


@pytest.fixture
def world(org, other_org, org_member):
    outsider = factories.user("outsider", member_of=[other_org])
    client, client_secret = app_with_secret(org, name="Client")
    resource_server, rs_secret = app_with_secret(org, name="Resource server", is_resource_server=True)
    sibling, sibling_secret = app_with_secret(org, name="Sibling")
    foreign, foreign_secret = app_with_secret(other_org, name="Foreign")

    def issue(app, secret, user):
        response = password_grant(app, secret, user)
        assert response.status_code == 200, response.content
        return response.json()

    callers = {"plain client": (client, client_secret), "resource server": (resource_server, rs_secret)}
    tokens = {}
    for caller, (app, secret) in callers.items():
        own = issue(app, secret, org_member)
        tokens[caller] = {"own_access_token": own["access_token"], "own_refresh_token": own["refresh_token"]}
    sibling_token = issue(sibling, sibling_secret, org_member)
    foreign_token = issue(foreign, foreign_secret, outsider)
    shared = {
        "same_org_app_token": sibling_token["access_token"],
        "same_org_app_refresh_token": sibling_token["refresh_token"],
        "other_org_app_token": foreign_token["access_token"],
        "other_org_app_refresh_token": foreign_token["refresh_token"],
        "personal_access_token": factories.personal_token(org_member).value,
    }
    for caller in callers:
        tokens[caller].update(shared)
    return callers, tokens


def _headers(response) -> dict:
    return {name: value for name, value in response.headers.items() if name != "X-Request-ID"}


def _cases():
    for target, plain, resource_server in MATRIX:
        yield pytest.param("plain client", target, plain, id=f"plain_client-{target}")
        yield pytest.param("resource server", target, resource_server, id=f"resource_server-{target}")


@pytest.mark.parametrize("caller, target, active", list(_cases()))
def test_introspection_matrix(world, caller, target, active):
    callers, tokens = world
    app, secret = callers[caller]
    response = post_form("/api/o/introspect/", {"token": tokens[caller][target]}, basic(app.client_id, secret))
    assert response.status_code == 200
    body = response.json()
    if active:
        assert body["active"] is True and body["username"]
    else:
        # Exactly what an unknown value gets: nothing tells the token exists.
        assert body == {"active": False}
        unknown = post_form("/api/o/introspect/", {"token": "tsa_" + "x" * 38}, basic(app.client_id, secret))
        # Every header alike but the request id, which differs between any two requests.
        assert unknown.json() == body and _headers(unknown) == _headers(response)
