"""Every response that shows a token value, refresh token or client secret says `Cache-Control: no-store`.

The routes are walked (tests/support/routes.py) and each answer is searched for secrets
without knowing the route (tests/support/revealed.py): any value in the token format, a
`client_secret` (or token) field that is not the mask, a string shaped like a generated
client secret. A route added later that shows a secret without the headers fails here.
"""

import pytest
from django.urls import reverse

from tests import factories
from tests.support.oauth import app_with_secret, password_grant, refresh_grant
from tests.support.revealed import is_not_stored, secrets_in
from tests.support.routes import ROUTES, body_for, fill
from tests.web.conftest import once_of

WALKED_METHODS = ("get", "post", "put", "patch")

# Where the walk must have met a secret: the routes that create or rotate a token or show a new
# client secret. Proof that the walk reached them, not the list the check is limited to.
MUST_REVEAL = {
    "api/v2/tokens/",
    "api/v2/tokens/<int:pk>/rotate/",
    "api/v2/users/<user_ref:pk>/tokens/",
    "api/v2/users/<user_ref:pk>/personal_tokens/",
    "api/v2/applications/<int:pk>/tokens/",
    "api/v2/applications/",
    "api/v2/organizations/<int:pk>/applications/",
}


@pytest.fixture
def world(db, superuser, org):
    member = factories.user("walker", member_of=[org])
    app = factories.application(org)
    factories.personal_token(superuser)
    factories.application_token(superuser, app)
    return {"superuser": superuser, "org": org, "member": member, "application": app}


def check(response, where: str, revealed: dict) -> None:
    found = secrets_in(response)
    if found:
        revealed[where] = response.status_code
        assert is_not_stored(response), (
            f"{where} shows a secret without no-store: Cache-Control={response.get('Cache-Control')!r}, "
            f"Pragma={response.get('Pragma')!r}"
        )


# Explicit bodies where the walk's generic sample is not a valid creation, so that it shows a secret.
CREATION_BODIES = {
    "api/v2/applications/": lambda w: {
        "name": "walked",
        "organization": w["org"].pk,
        "client_type": "confidential",
        "authorization_grant_type": "password",
    },
    "api/v2/organizations/<int:pk>/applications/": lambda w: {
        "name": "walked nested",
        "client_type": "confidential",
        "authorization_grant_type": "password",
    },
    "api/v2/users/<user_ref:pk>/applications/": lambda w: {
        "name": "walked user",
        "organization": w["org"].pk,
        "client_type": "confidential",
        "authorization_grant_type": "password",
    },
    "api/v2/users/<user_ref:pk>/authorized_tokens/": lambda w: {"application": w["application"].pk},
}


def test_every_api_route_that_shows_a_secret_forbids_storing_it(world, client_for):
    client = client_for(world["superuser"])
    revealed: dict[str, int] = {}
    for route, view_class in ROUTES:
        url = fill(route, view_class, existing=True)
        if url is None:
            continue
        # The walk's plausible values, and nothing at all: every field's default.
        bodies = [body_for(view_class, world), {}]
        if route in CREATION_BODIES:
            bodies.append(CREATION_BODIES[route](world))
        for method in WALKED_METHODS:
            for body in bodies if method != "get" else [None]:
                response = getattr(client, method)(url, body, format="json")
                assert response.status_code < 500, f"{method.upper()} {url}: {response.content[:300]}"
                check(response, route, revealed)
    missing = MUST_REVEAL - set(revealed)
    assert not missing, f"the walk showed no secret at {sorted(missing)}: it no longer reaches them"


def test_a_public_application_made_confidential_shows_its_first_secret_uncached(world, client_for):
    client = client_for(world["superuser"])
    public = factories.application(world["org"], "Public", client_type="public")
    response = client.patch(f"/api/v2/applications/{public.pk}/", {"client_type": "confidential"}, format="json")
    assert response.status_code == 200 and secrets_in(response)
    assert is_not_stored(response)


def test_the_token_endpoint_never_lets_its_answers_be_stored(world):
    app, secret = app_with_secret(world["org"], "Walked client")
    granted = password_grant(app, secret, world["member"])
    assert granted.status_code == 200 and secrets_in(granted)
    assert is_not_stored(granted)
    refreshed = refresh_grant(app, secret, granted.json()["refresh_token"])
    assert refreshed.status_code == 200 and secrets_in(refreshed)
    assert is_not_stored(refreshed)
    refused = password_grant(app, "wrong", world["member"])
    assert refused.status_code == 401 and is_not_stored(refused)


def test_the_lifecycle_dialect_shows_a_new_pat_uncached(world, client_for):
    from tests.pats.conftest import url

    app = factories.application(
        world["org"], "PAT manager", authorization_grant_type="authorization-code", redirect_uris="https://c.example/cb"
    )
    user_token = factories.application_token(world["member"], app, issued_via="authorization_code").value
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token}")
    created = client.post(url(world["org"].name), {"displayName": "walked", "scope": "read"}, format="json")
    assert created.status_code == 200 and secrets_in(created)
    assert is_not_stored(created)
    listed = client.get(url(world["org"].name))
    assert listed.status_code == 200 and not secrets_in(listed)


def test_the_web_pages_that_show_a_value_forbid_storing_it(world, client_for):
    from django.test import Client

    browser = Client()
    browser.force_login(world["superuser"])
    revealed: dict[str, int] = {}

    form = browser.get(reverse("web:token_create"))
    body = {"description": "walked", "scope": "read", "organization": "", "expires": "", "once": once_of(form)}
    check(browser.post(reverse("web:token_create"), body), "token_create", revealed)

    rotated = factories.personal_token(world["superuser"]).token
    form = browser.get(reverse("web:token_rotate", args=[rotated.pk]))
    check(browser.post(reverse("web:token_rotate", args=[rotated.pk]), {"once": once_of(form)}), "rotate", revealed)

    org = world["org"]
    form = browser.get(reverse("web:application_create", args=[org.pk]))
    body = {
        "name": "Walked web",
        "description": "",
        "client_type": "confidential",
        "authorization_grant_type": "password",
        "redirect_uris": "",
        "once": once_of(form),
    }
    check(browser.post(reverse("web:application_create", args=[org.pk]), body), "application_create", revealed)

    public = factories.application(org, "Public web", client_type="public")
    body = {"name": "Public web", "description": "", "client_type": "confidential", "redirect_uris": ""}
    check(browser.post(reverse("web:application_edit", args=[public.pk]), body), "application_edit", revealed)

    assert set(revealed) == {"token_create", "rotate", "application_create", "application_edit"}, revealed
