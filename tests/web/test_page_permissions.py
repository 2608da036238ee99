"""Who may open and use each web page: one literal table of (persona, page, expected status) over the role matrix.

The pages ask the access core, so the answers are the API's: invisible is 404, visible but
not allowed is 403; anonymous people are sent to the sign-in page.
"""

import pytest
from django.urls import reverse

from applications.models import Application
from tests.support.personas import PERSONAS
from tokens.models import AccessToken, OrganizationTokenPolicy


def url_of(name, world, org):
    """The page `name`, filled with the world's objects."""
    targets = {
        "tokens": ("web:tokens", []),
        "token_create": ("web:token_create", []),
        "organizations": ("web:organizations", []),
        "applications": ("web:applications", [org.pk]),
        "application_create": ("web:application_create", [org.pk]),
        "application_edit": ("web:application_edit", [world["app"].pk]),
        "application_delete": ("web:application_delete", [world["app"].pk]),
        "organization_tokens": ("web:organization_tokens", [org.pk]),
        "policy": ("web:policy", [org.pk]),
        "member_token": ("web:token", [world["member_app_token"].pk]),
        "member_token_revoke": ("web:token_revoke", [world["member_app_token"].pk]),
        "member_token_rename": ("web:token_rename", [world["member_app_token"].pk]),
        "member_token_renew": ("web:token_renew", [world["member_app_token"].pk]),
        "member_token_rotate": ("web:token_rotate", [world["member_app_token"].pk]),
        "member_unbound_pat": ("web:token", [world["member_unbound_pat"].pk]),
    }
    name, args = targets[name]
    return reverse(name, args=args)


# (page, {persona: expected GET status}); anonymous is always a redirect to the sign-in page.
GET_MATRIX = [
    ("tokens", dict.fromkeys(PERSONAS[:-1], 200)),
    ("token_create", dict.fromkeys(PERSONAS[:-1], 200)),
    ("organizations", dict.fromkeys(PERSONAS[:-1], 200)),
    (
        "applications",
        {
            "superuser": 200,
            "system_auditor": 200,
            "org_admin": 200,
            "org_member": 200,
            "org_auditor": 200,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
    (
        "application_create",
        {
            "superuser": 200,
            "system_auditor": 403,
            "org_admin": 200,
            "org_member": 403,
            "org_auditor": 403,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
    (
        "application_edit",
        {
            "superuser": 200,
            "system_auditor": 403,
            "org_admin": 200,
            "org_member": 403,
            "org_auditor": 403,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
    (
        "application_delete",
        {
            "superuser": 200,
            "system_auditor": 403,
            "org_admin": 200,
            "org_member": 403,
            "org_auditor": 403,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
    (
        "organization_tokens",
        {
            "superuser": 200,
            "system_auditor": 200,
            "org_admin": 200,
            "org_member": 200,
            "org_auditor": 200,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
    (
        "policy",
        {
            "superuser": 200,
            "system_auditor": 200,
            "org_admin": 200,
            "org_member": 200,
            "org_auditor": 200,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
    (
        "member_token",
        {
            "superuser": 200,
            "system_auditor": 200,
            "org_admin": 200,
            "org_member": 200,
            "org_auditor": 200,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
    (
        "member_token_revoke",
        {
            "superuser": 200,
            "system_auditor": 403,
            "org_admin": 200,
            "org_member": 200,
            "org_auditor": 403,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
    (
        "member_token_rename",
        {
            "superuser": 200,
            "system_auditor": 403,
            "org_admin": 200,
            "org_member": 200,
            "org_auditor": 403,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
    # Renewing and rotating mint lifetime or a value: the owner's (or a system administrator's) alone.
    (
        "member_token_renew",
        {
            "superuser": 200,
            "system_auditor": 403,
            "org_admin": 403,
            "org_member": 200,
            "org_auditor": 403,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
    (
        "member_token_rotate",
        {
            "superuser": 200,
            "system_auditor": 403,
            "org_admin": 403,
            "org_member": 200,
            "org_auditor": 403,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
    # An unbound PAT is its owner's business: the organization's admins and auditors do not see it.
    (
        "member_unbound_pat",
        {
            "superuser": 200,
            "system_auditor": 200,
            "org_admin": 404,
            "org_member": 200,
            "org_auditor": 404,
            "other_org_admin": 404,
            "plain_user": 404,
        },
    ),
]

GET_CASES = [(persona, page, expected.get(persona, 302)) for page, expected in GET_MATRIX for persona in PERSONAS]


@pytest.mark.parametrize(("persona_name", "page", "expected"), GET_CASES, ids=[f"{p}-{g}-{e}" for p, g, e in GET_CASES])
def test_who_opens_each_page(persona_name, page, expected, persona, world, org, browser):
    url = url_of(page, world, org)
    response = browser(persona(persona_name)).get(url)
    assert response.status_code == expected, response.content[:500]
    if expected == 302:
        assert response["Location"].startswith(reverse("web:signin") + "?next=")
    if expected in (403, 404):
        assert response["Content-Type"].startswith("text/html")


def test_the_matrix_covers_every_page_and_persona():
    from web import urls

    covered = {reverse_name for reverse_name, _ in [(target, None) for target, _ in GET_MATRIX]}
    assert len(covered) == len(GET_MATRIX)
    named = {pattern.name for pattern in urls.urlpatterns} - {"signin", "signout"}
    # Every page with a GET is in the table (token pages through the member's token).
    reached = {
        "tokens",
        "token_create",
        "organizations",
        "applications",
        "application_create",
        "application_edit",
        "application_delete",
        "organization_tokens",
        "policy",
        "token",
        "token_revoke",
        "token_rename",
        "token_renew",
        "token_rotate",
    }
    assert named == reached
    for _, expected in GET_MATRIX:
        assert set(expected) | {"anonymous"} == set(PERSONAS) or set(expected) == set(PERSONAS[:-1])


# Writes: (persona, action, expected status); each is run on a fresh world.
REVOKE_CASES = [
    ("superuser", 302),
    ("system_auditor", 403),
    ("org_admin", 302),
    ("org_member", 302),
    ("org_auditor", 403),
    ("other_org_admin", 404),
    ("plain_user", 404),
    ("anonymous", 302),
]


@pytest.mark.parametrize(("persona_name", "expected"), REVOKE_CASES, ids=[f"{p}-{e}" for p, e in REVOKE_CASES])
def test_who_revokes_a_members_token(persona_name, expected, persona, world, browser):
    token = world["member_app_token"]
    response = browser(persona(persona_name)).post(reverse("web:token_revoke", args=[token.pk]))
    assert response.status_code == expected
    token.refresh_from_db()
    revoked = persona_name not in ("system_auditor", "org_auditor", "other_org_admin", "plain_user", "anonymous")
    assert (token.revoked_at is not None) is revoked


APPLICATION_CASES = [
    ("superuser", 200),
    ("system_auditor", 403),
    ("org_admin", 200),
    ("org_member", 403),
    ("org_auditor", 403),
    ("other_org_admin", 404),
    ("plain_user", 404),
]


@pytest.mark.parametrize(
    ("persona_name", "expected"), APPLICATION_CASES, ids=[f"{p}-{e}" for p, e in APPLICATION_CASES]
)
def test_who_creates_edits_and_deletes_an_application(persona_name, expected, persona, world, org, browser):
    client = browser(persona(persona_name))
    body = {"name": "Created", "client_type": "confidential", "authorization_grant_type": "password"}
    form = client.get(reverse("web:application_create", args=[org.pk]))
    if form.status_code == 200:
        from tests.web.conftest import once_of

        body["once"] = once_of(form)
    created = client.post(reverse("web:application_create", args=[org.pk]), body)
    assert created.status_code == (expected if expected != 200 else 200)
    assert Application.objects.filter(name="Created").exists() is (expected == 200)

    app = world["app"]
    edited = client.post(
        reverse("web:application_edit", args=[app.pk]),
        {"name": "Renamed", "client_type": "confidential", "redirect_uris": ""},
    )
    assert edited.status_code == (302 if expected == 200 else expected)
    app.refresh_from_db()
    assert (app.name == "Renamed") is (expected == 200)

    deleted = client.post(reverse("web:application_delete", args=[app.pk]))
    assert deleted.status_code == (302 if expected == 200 else expected)
    assert Application.objects.filter(pk=app.pk).exists() is (expected != 200)


POLICY_CASES = [
    ("superuser", 302),
    ("system_auditor", 403),
    ("org_admin", 302),
    ("org_member", 403),
    ("org_auditor", 403),
    ("other_org_admin", 404),
    ("plain_user", 404),
]


@pytest.mark.parametrize(("persona_name", "expected"), POLICY_CASES, ids=[f"{p}-{e}" for p, e in POLICY_CASES])
def test_who_changes_the_token_policy(persona_name, expected, persona, world, org, browser):
    response = browser(persona(persona_name)).post(
        reverse("web:policy", args=[org.pk]), {"max_pat_lifetime_days": "30", "restrict_global_pats": "on"}
    )
    assert response.status_code == expected
    saved = OrganizationTokenPolicy.objects.filter(organization=org).first()
    if expected == 302:
        assert saved.max_pat_lifetime_days == 30 and saved.restrict_global_pats
    else:
        assert saved is None


def test_an_org_admin_renames_a_members_token_but_cannot_renew_or_rotate_it(world, org_admin, browser):
    token = world["member_app_token"]
    client = browser(org_admin)
    assert client.post(reverse("web:token_rename", args=[token.pk]), {"description": "by admin"}).status_code == 302
    token.refresh_from_db()
    assert token.description == "by admin"
    before = token.expires
    renewed = client.post(reverse("web:token_renew", args=[token.pk]), {"expires": "2031-01-01"})
    assert renewed.status_code == 400
    assert "Only the token&#x27;s owner can renew it" in renewed.content.decode()
    token.refresh_from_db()
    assert token.expires == before
    assert client.post(reverse("web:token_rotate", args=[token.pk]), {"once": "x"}).status_code == 403
    assert AccessToken.objects.filter(rotated_from=token).count() == 0
