"""POST /api/v2/users/{id}/tokens/revoke/: who may revoke a user's tokens at once, and which ones."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activity.models import ActivityEntry
from tests import factories
from tests.support.oauth import app_with_secret, bearer, password_grant, refresh_grant
from tokens.models import AccessToken, RefreshToken


@pytest.fixture
def world(org, other_org):
    """`colleague` is a member of `org` only; `dual` is a member of both organizations.

    Each holds a personal access token, a token of an application of `org` and one of an
    application of `other_org` (tokens are kept by description).
    """
    org_app = factories.application(org, "Org app")
    other_app = factories.application(other_org, "Other app")
    people = {
        "colleague": factories.user("colleague", member_of=[org], email="colleague@example.com"),
        "dual": factories.user("dual", member_of=[org, other_org]),
        "stranger": factories.user("stranger"),
    }
    values = {}
    for name, user in people.items():
        for description, app in (("pat", None), ("org", org_app), ("other", other_app)):
            if app is None:
                issued = factories.personal_token(user, description=f"{name}-{description}")
            else:
                issued = factories.application_token(user, app, description=f"{name}-{description}")
            values[issued.token.description] = issued.value
    return {**people, "org_app": org_app, "other_app": other_app, "values": values}


ALL = ("pat", "org", "other")
NONE = ()

# (persona, target user, expected status, kinds of the target's tokens revoked)
MATRIX = [
    ("superuser", "colleague", 200, ALL),
    ("superuser", "stranger", 200, ALL),
    ("system_auditor", "colleague", 403, NONE),
    ("org_admin", "colleague", 200, ("org",)),
    ("org_admin", "dual", 200, ("org",)),
    ("org_admin", "stranger", 404, NONE),
    ("org_member", "colleague", 403, NONE),
    ("org_auditor", "colleague", 403, NONE),
    ("other_org_admin", "colleague", 404, NONE),
    ("other_org_admin", "dual", 200, ("other",)),
    ("plain_user", "colleague", 404, NONE),
    ("anonymous", "colleague", 401, NONE),
    ("colleague", "colleague", 403, NONE),
]


def _live(descriptions):
    return set(
        AccessToken.objects.filter(description__in=descriptions, revoked_at__isnull=True).values_list(
            "description", flat=True
        )
    )


def _url(user) -> str:
    return f"/api/v2/users/{user.pk}/tokens/revoke/"


@pytest.mark.parametrize(
    ("persona_name", "target", "expected", "kinds"), MATRIX, ids=[f"{p}-{t}-{s}" for p, t, s, _ in MATRIX]
)
def test_bulk_revoke_matrix(persona_name, target, expected, kinds, world, persona, client_for):
    user = world[persona_name] if persona_name in world else persona(persona_name)
    subject = world[target]
    descriptions = [f"{target}-{kind}" for kind in ALL]
    if expected == 200:
        refused = client_for(user, scope="read").post(_url(subject), {}, format="json")
        assert refused.status_code == 403, refused.content
        assert "write" in refused.json()["detail"]
        assert _live(descriptions) == set(descriptions)

    response = client_for(user).post(_url(subject), {}, format="json")

    assert response.status_code == expected, response.content
    if expected == 200:
        assert response.json() == {"revoked": len(kinds)}
    revoked = {f"{target}-{kind}" for kind in kinds}
    assert _live(descriptions) == set(descriptions) - revoked
    # Nobody else's tokens are touched.
    others = [description for description in world["values"] if not description.startswith(f"{target}-")]
    assert _live(others) == set(others)


def test_a_username_names_the_user_and_get_counts_what_a_post_would_revoke(world, org_admin, client_for):
    client = client_for(org_admin)

    preview = client.get("/api/v2/users/dual/tokens/revoke/")
    assert preview.status_code == 200
    assert preview.json() == {"revocable": 1}

    response = client.post("/api/v2/users/dual/tokens/revoke/", {}, format="json")
    assert response.json() == {"revoked": 1}
    assert client.get("/api/v2/users/dual/tokens/revoke/").json() == {"revocable": 0}
    # Again: nothing left to revoke, still a success.
    assert client.post("/api/v2/users/dual/tokens/revoke/", {}, format="json").json() == {"revoked": 0}


def test_get_counts_nothing_for_those_who_may_not_revoke(world, org_member, system_auditor, client_for):
    assert client_for(org_member).get(_url(world["colleague"])).json() == {"revocable": 0}
    assert client_for(system_auditor).get(_url(world["colleague"])).json() == {"revocable": 0}
    assert client_for(system_auditor, scope="read").get(_url(world["colleague"])).status_code == 200
    assert client_for(org_member).get(_url(world["stranger"])).status_code == 404


def test_revoked_tokens_stop_authenticating_at_once(world, superuser, client_for):
    values = world["values"]
    for kind in ALL:
        assert client_for(None).get("/api/v2/me/", **bearer(values[f"colleague-{kind}"])).status_code == 200

    assert client_for(superuser).post(_url(world["colleague"]), {}, format="json").json() == {"revoked": 3}

    for kind in ALL:
        response = client_for(None).get("/api/v2/me/", **bearer(values[f"colleague-{kind}"]))
        assert response.status_code == 401
        assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_refresh_tokens_are_revoked_with_their_access_tokens(org, org_admin, client_for):
    app, secret = app_with_secret(org)
    member = factories.user("member", member_of=[org])
    granted = password_grant(app, secret, member).json()
    assert RefreshToken.objects.filter(user=member, revoked__isnull=True).count() == 1

    response = client_for(org_admin).post(_url(member), {}, format="json")

    assert response.json() == {"revoked": 1}
    assert not RefreshToken.objects.filter(user=member, revoked__isnull=True).exists()
    refreshed = refresh_grant(app, secret, granted["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"


def test_revoked_tokens_show_under_status_revoked_with_who_revoked_them(world, org_admin, client_for):
    client_for(org_admin).post(_url(world["colleague"]), {}, format="json")

    response = client_for(org_admin).get(f"/api/v2/users/{world['colleague'].pk}/tokens/?status=revoked")

    rows = response.json()["results"]
    assert [row["description"] for row in rows] == ["colleague-org"]
    assert rows[0]["revoked_at"]
    assert rows[0]["summary_fields"]["revoked_by"]["username"] == "org_admin"


def test_every_revoked_token_gets_an_activity_record_without_secrets(world, superuser, client_for):
    client = client_for(superuser)
    before = ActivityEntry.objects.count()

    client.post(_url(world["colleague"]), {}, format="json")

    entries = ActivityEntry.objects.order_by("pk")[before:]
    tokens = AccessToken.objects.filter(description__startswith="colleague-")
    assert sorted(entry.object_id for entry in entries) == sorted(token.pk for token in tokens)
    for entry in entries:
        assert entry.operation == "delete"
        assert entry.actor == superuser
        assert entry.subject_user_id == world["colleague"].pk
        dumped = repr(entry.changes) + entry.object_repr
        for value in world["values"].values():
            assert value not in dumped and value[-30:] not in dumped


def _revoke_queries(client, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(_url(user), {}, format="json")
    assert response.status_code == 200
    return len(queries)


def test_revoking_is_set_based(org, superuser, client_for):
    app = factories.application(org)
    few = factories.user("few", member_of=[org])
    many = factories.user("many", member_of=[org])
    for index in range(2):
        factories.application_token(few, app, description=f"few {index}")
    for index in range(40):
        factories.application_token(many, app, description=f"many {index}")
    client = client_for(superuser)
    client.get("/api/v2/me/")  # the token's first use writes last_used; later uses within a minute do not

    assert _revoke_queries(client, few) == _revoke_queries(client, many)
    assert not AccessToken.objects.filter(user__in=[few, many], revoked_at__isnull=True).exists()


def test_a_body_is_refused_naming_the_field(world, superuser, client_for):
    response = client_for(superuser).post(_url(world["colleague"]), {"only": "pat"}, format="json")

    assert response.status_code == 400
    assert "only" in response.json()
    assert len(_live([f"colleague-{kind}" for kind in ALL])) == 3


def test_an_unknown_user_is_404(superuser, client_for):
    assert client_for(superuser).post("/api/v2/users/987654/tokens/revoke/", {}, format="json").status_code == 404
    assert client_for(superuser).post("/api/v2/users/nobody/tokens/revoke/", {}, format="json").status_code == 404
