"""The web pages with Django's test client: sign-in, headers, CSRF, values shown once, policy refusals, lists."""

import logging
import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from tests import factories
from tests.web.conftest import csrf_of, once_of
from tokens import policy
from tokens.models import AccessToken, OrganizationTokenPolicy
from web.security import CONTENT_SECURITY_POLICY

VALUE = re.compile(r"\b(?:tsp|tsa|tsr)_[0-9A-Za-z]{38}\b")


def day(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).date().isoformat()


def create_pat(client, **fields):
    form = client.get(reverse("web:token_create"))
    body = {"description": "ci", "scope": "read", "organization": "", "expires": "", "once": once_of(form)}
    body.update(fields)
    return client.post(reverse("web:token_create"), body), body


# Signing in and out ----------------------------------------------------------------------


def test_sign_in_opens_the_same_session_as_the_api(db, org_member):
    client = Client()
    response = client.post(reverse("web:signin"), {"username": "org_member", "password": factories.PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("web:tokens")
    assert client.get(reverse("web:tokens")).status_code == 200
    me = client.get("/api/v2/me/", HTTP_ACCEPT="application/json")
    assert me.status_code == 200 and me.json()["results"][0]["username"] == "org_member"


def test_a_session_from_the_browsable_api_login_opens_the_pages(db, org_member):
    client = Client()
    page = client.get("/api/login/")
    client.post(
        "/api/login/", {"username": "org_member", "password": factories.PASSWORD, "csrfmiddlewaretoken": csrf_of(page)}
    )
    assert client.get(reverse("web:tokens")).status_code == 200


def test_a_wrong_password_is_told_in_words(db, org_member):
    response = Client().post(reverse("web:signin"), {"username": "org_member", "password": "nope"})
    assert response.status_code == 200
    assert "The username or password is not correct" in response.content.decode()


def test_an_inactive_account_is_told_so_once_its_password_is_right(db, org_member):
    org_member.is_active = False
    org_member.save()
    right = Client().post(reverse("web:signin"), {"username": "org_member", "password": factories.PASSWORD})
    assert "This account is inactive" in right.content.decode()
    wrong = Client().post(reverse("web:signin"), {"username": "org_member", "password": "nope"})
    assert "This account is inactive" not in wrong.content.decode()
    assert "not correct" in wrong.content.decode()


def test_sign_in_returns_to_the_page_asked_for_and_never_elsewhere(db, org_member):
    client = Client()
    first = client.get(reverse("web:token_create"))
    assert first["Location"] == reverse("web:signin") + "?next=%2Ftokens%2Fnew%2F"
    body = {"username": "org_member", "password": factories.PASSWORD}
    assert client.post(first["Location"], body)["Location"] == reverse("web:token_create")
    elsewhere = Client().post(reverse("web:signin") + "?next=https://evil.example/", body)
    assert elsewhere["Location"] == reverse("web:tokens")


def test_the_idle_timeout_ends_the_session_and_says_so(db, org_member, browser):
    client = browser(org_member)
    assert client.get(reverse("web:tokens")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("web:tokens"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("web:signin"))
    assert "Your session ended after 30 minutes without activity" in response.content.decode()


def test_sign_out_is_a_post_and_ends_the_session(db, org_member, browser):
    client = browser(org_member)
    assert client.get(reverse("web:signout")).status_code == 405
    response = client.post(reverse("web:signout"), follow=True)
    assert "You are signed out." in response.content.decode()
    assert client.get(reverse("web:tokens")).status_code == 302
    assert client.get("/api/v2/me/", HTTP_ACCEPT="application/json").status_code == 401


# Headers and CSRF --------------------------------------------------------------------------


def every_page(world, org):
    member_token = world["member_app_token"].pk
    return [
        reverse("web:tokens"),
        reverse("web:tokens") + "?status=all",
        reverse("web:token_create"),
        reverse("web:token", args=[member_token]),
        reverse("web:token_rename", args=[member_token]),
        reverse("web:token_renew", args=[member_token]),
        reverse("web:token_rotate", args=[member_token]),
        reverse("web:token_revoke", args=[member_token]),
        reverse("web:organizations"),
        reverse("web:applications", args=[org.pk]),
        reverse("web:application_create", args=[org.pk]),
        reverse("web:application_edit", args=[world["app"].pk]),
        reverse("web:application_delete", args=[world["app"].pk]),
        reverse("web:organization_tokens", args=[org.pk]),
        reverse("web:policy", args=[org.pk]),
    ]


def assert_secure_headers(response):
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_every_page_sends_the_security_headers_and_no_inline_script(world, org, superuser, browser):
    client = browser(superuser)
    for url in every_page(world, org):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure_headers(response)
        html = response.content.decode()
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], url
        assert " style=" not in html and " on" + "click=" not in html, url
    for response in (
        Client().get(reverse("web:signin")),
        Client().get(reverse("web:tokens")),
        client.get("/tokens/0/"),
    ):
        assert_secure_headers(response)


@pytest.mark.parametrize(
    "route",
    [
        "signout",
        "token_create",
        "token_rename",
        "token_renew",
        "token_rotate",
        "token_revoke",
        "application_create",
        "application_edit",
        "application_delete",
        "policy",
    ],
)
def test_every_form_needs_its_csrf_token(route, world, org, superuser):
    args = {
        "signout": [],
        "token_create": [],
        "application_create": [org.pk],
        "application_edit": [world["app"].pk],
        "application_delete": [world["app"].pk],
        "policy": [org.pk],
    }.get(route, [world["member_app_token"].pk])
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = client.post(reverse(f"web:{route}", args=args), {"description": "x"})
    assert response.status_code == 403
    assert b"CSRF" in response.content
    world["member_app_token"].refresh_from_db()
    assert world["member_app_token"].revoked_at is None
    assert Application.objects.filter(pk=world["app"].pk).exists()


def test_a_form_with_its_csrf_token_goes_through(world, org_member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org_member)
    token = world["member_unbound_pat"]
    page = client.get(reverse("web:token_rename", args=[token.pk]))
    body = {"description": "renamed", "csrfmiddlewaretoken": csrf_of(page)}
    assert client.post(reverse("web:token_rename", args=[token.pk]), body).status_code == 302
    token.refresh_from_db()
    assert token.description == "renamed"


def test_the_sign_in_form_is_csrf_protected(db, org_member):
    client = Client(enforce_csrf_checks=True)
    body = {"username": "org_member", "password": factories.PASSWORD}
    assert client.post(reverse("web:signin"), body).status_code == 403
    body["csrfmiddlewaretoken"] = csrf_of(client.get(reverse("web:signin")))
    assert client.post(reverse("web:signin"), body).status_code == 302


# Values shown once ---------------------------------------------------------------------------


def test_a_new_pats_value_is_shown_once_and_works_as_a_bearer_token(org_member, browser, client_for):
    client = browser(org_member)
    response, body = create_pat(client)
    assert response.status_code == 200
    assert_secure_headers(response)
    values = VALUE.findall(response.content.decode())
    assert len(values) == 1 and values[0].startswith("tsp_")
    assert "shown only this once" in response.content.decode()
    bearer = Client().get("/api/v2/me/", HTTP_AUTHORIZATION=f"Bearer {values[0]}", HTTP_ACCEPT="application/json")
    assert bearer.status_code == 200 and bearer.json()["results"][0]["username"] == "org_member"

    again = client.post(reverse("web:token_create"), body, follow=True)
    assert values[0] not in again.content.decode()
    assert "That form was sent already" in again.content.decode()
    assert AccessToken.objects.filter(user=org_member, description="ci").count() == 1


def test_a_rotation_shows_the_new_value_once_and_revokes_the_old(org_member, browser):
    client = browser(org_member)
    old = factories.personal_token(org_member, description="old")
    form = client.get(reverse("web:token_rotate", args=[old.token.pk]))
    body = {"once": once_of(form), "expires": ""}
    response = client.post(reverse("web:token_rotate", args=[old.token.pk]), body)
    values = VALUE.findall(response.content.decode())
    assert len(values) == 1 and values[0] != old.value
    assert Client().get("/api/v2/me/", HTTP_AUTHORIZATION=f"Bearer {old.value}").status_code == 401
    assert Client().get("/api/v2/me/", HTTP_AUTHORIZATION=f"Bearer {values[0]}").status_code == 200
    again = client.post(reverse("web:token_rotate", args=[old.token.pk]), body, follow=True)
    assert values[0] not in again.content.decode() and "That form was sent already" in again.content.decode()


def test_an_applications_secret_is_shown_once(org_admin, org, browser):
    client = browser(org_admin)
    form = client.get(reverse("web:application_create", args=[org.pk]))
    body = {"name": "CI", "client_type": "confidential", "authorization_grant_type": "password", "once": once_of(form)}
    response = client.post(reverse("web:application_create", args=[org.pk]), body)
    assert response.status_code == 200
    assert_secure_headers(response)
    secret = re.search(r'id="client-secret"[^>]*value="([^"]+)"', response.content.decode()).group(1)
    app = Application.objects.get(name="CI")
    assert secret != app.client_secret  # stored hashed
    again = client.post(reverse("web:application_create", args=[org.pk]), body, follow=True)
    assert secret not in again.content.decode()
    assert Application.objects.filter(name="CI").count() == 1
    for url in (reverse("web:applications", args=[org.pk]), reverse("web:application_edit", args=[app.pk])):
        assert secret not in client.get(url).content.decode()


def test_no_page_url_log_or_session_holds_a_value(world, org, org_member, superuser, browser, caplog):
    caplog.set_level(logging.DEBUG)
    client = browser(org_member)
    response, _ = create_pat(client, organization=str(org.pk))
    value = VALUE.findall(response.content.decode())[0]
    assert value not in response.get("Location", "")
    for session in Session.objects.all():
        assert value not in str(session.get_decoded())
    for viewer in (client, browser(superuser)):
        for url in every_page(world, org):
            page = viewer.get(url)
            assert value not in page.content.decode(), url
            assert VALUE.findall(page.content.decode()) == [], url
    assert value not in caplog.text


# Policy refusals in words ----------------------------------------------------------------------


def test_an_organizations_rules_are_shown_next_to_the_field_in_words(org, org_member, browser):
    OrganizationTokenPolicy.objects.create(
        organization=org, max_pat_lifetime_days=10, restrict_full_scope_pats=True, restrict_global_pats=True
    )
    client = browser(org_member)
    page = client.get(reverse("web:token_create")).content.decode()
    assert "Organization &#x27;Default&#x27; allows personal access tokens to live at most 10 day(s)." in page

    unbound, _ = create_pat(client, scope="read")
    assert unbound.status_code == 403
    html = unbound.content.decode()
    assert 'id="id_organization_error"' in html and "does not allow personal access tokens that are bound" in html

    writing, _ = create_pat(client, scope="write", organization=str(org.pk))
    assert 'id="id_scope_error"' in writing.content.decode()
    assert "does not allow personal access tokens with write scope" in writing.content.decode()

    too_long, _ = create_pat(client, organization=str(org.pk), expires=day(30))
    assert too_long.status_code == 400
    assert 'id="id_expires_error"' in too_long.content.decode()
    assert "at most 10 day(s)" in too_long.content.decode()
    assert 'aria-describedby="id_expires_error' in too_long.content.decode()

    fine, _ = create_pat(client, organization=str(org.pk), expires=day(9))
    assert fine.status_code == 200 and VALUE.findall(fine.content.decode())
    assert not AccessToken.objects.filter(user=org_member).exclude(organization=org).exists()


def test_binding_to_an_organization_without_a_role_is_refused_in_words(org, other_org, system_auditor, browser):
    response, _ = create_pat(browser(system_auditor), organization=str(other_org.pk))
    assert response.status_code == 403
    assert "can be bound only to an organization where its owner holds a role" in response.content.decode()


def test_renewal_within_the_policy_and_refused_beyond_it(org, org_member, browser, settings):
    OrganizationTokenPolicy.objects.create(organization=org, max_pat_lifetime_days=20)
    token = factories.personal_token(org_member, organization=org, expires=timezone.now() + timedelta(days=2)).token
    client = browser(org_member)
    page = client.get(reverse("web:token_renew", args=[token.pk])).content.decode()
    assert "at most 20 day(s)" in page
    refused = client.post(reverse("web:token_renew", args=[token.pk]), {"expires": day(40)})
    assert refused.status_code == 400 and "at most 20 day(s)" in refused.content.decode()
    past = client.post(reverse("web:token_renew", args=[token.pk]), {"expires": day(-3)})
    assert "The expiry must be in the future." in past.content.decode()
    renewed = client.post(reverse("web:token_renew", args=[token.pk]), {"expires": day(15)})
    assert renewed.status_code == 302
    token.refresh_from_db()
    assert timedelta(days=14) < token.expires - timezone.now() <= timedelta(days=15)


def test_the_lifetime_limit_names_the_strictest_rule(org, other_org, db):
    member = factories.user("both", member_of=[org, other_org])
    assert policy.lifetime_limit(member, None).seconds is None
    assert policy.lifetime_limit(member, None).reason == policy.NO_LIFETIME_LIMIT
    OrganizationTokenPolicy.objects.create(organization=org, max_pat_lifetime_days=30)
    OrganizationTokenPolicy.objects.create(organization=other_org, max_pat_lifetime_days=7)
    unbound = policy.lifetime_limit(member, None)
    assert unbound.seconds == 7 * policy.DAY and "'Other'" in unbound.reason
    assert policy.lifetime_limit(member, org.pk).seconds == 30 * policy.DAY
    from config import runtime

    runtime.update({"PAT_MAX_LIFETIME_SECONDS": 86400})
    limit = policy.lifetime_limit(member, org.pk)
    assert limit.seconds == 86400 and limit.reason.startswith("The system allows") and limit.default_seconds == 86400


def test_the_policy_page_refuses_exempting_a_non_member(org, org_admin, plain_user, browser):
    response = browser(org_admin).post(reverse("web:policy", args=[org.pk]), {"exempt_users": [plain_user.pk]})
    assert response.status_code == 400
    assert 'id="id_exempt_users_error"' in response.content.decode()
    assert not OrganizationTokenPolicy.objects.filter(organization=org).exists()


def test_an_authorization_code_application_needs_a_redirect_uri(org, org_admin, browser):
    client = browser(org_admin)
    form = client.get(reverse("web:application_create", args=[org.pk]))
    body = {
        "name": "Web",
        "client_type": "public",
        "authorization_grant_type": "authorization-code",
        "once": once_of(form),
    }
    response = client.post(reverse("web:application_create", args=[org.pk]), body)
    assert response.status_code == 400
    assert "At least one redirect URI is required" in response.content.decode()
    body["redirect_uris"] = "https://app.example/callback"
    created = client.post(reverse("web:application_create", args=[org.pk]), body)
    assert created.status_code == 200 and "A public client has no secret." in created.content.decode()


def test_an_application_name_taken_in_the_organization_is_refused_next_to_the_name(world, org, org_admin, browser):
    client = browser(org_admin)
    form = client.get(reverse("web:application_create", args=[org.pk]))
    body = {
        "name": "Billing",
        "client_type": "confidential",
        "authorization_grant_type": "password",
        "once": once_of(form),
    }
    response = client.post(reverse("web:application_create", args=[org.pk]), body)
    assert response.status_code == 400 and 'id="id_name_error"' in response.content.decode()


# Buttons only where check() allows --------------------------------------------------------------


@pytest.mark.parametrize("persona_name", ["system_auditor", "org_auditor", "org_member"])
def test_readers_see_no_buttons(persona_name, persona, world, org, browser):
    client = browser(persona(persona_name))
    pages = [reverse("web:applications", args=[org.pk]), reverse("web:policy", args=[org.pk])]
    if persona_name != "org_member":  # a member may revoke their own tokens listed there
        pages.append(reverse("web:organization_tokens", args=[org.pk]))
    for url in pages:
        html = client.get(url).content.decode()
        assert 'class="button' not in html, url
        assert '<form method="post" novalidate>' not in html, url
    if persona_name != "org_member":
        detail = client.get(reverse("web:token", args=[world["member_app_token"].pk])).content.decode()
        assert 'class="button' not in detail


def test_an_org_admin_sees_the_buttons_check_allows(world, org, org_admin, browser):
    client = browser(org_admin)
    applications = client.get(reverse("web:applications", args=[org.pk])).content.decode()
    assert "Create an application" in applications and "Edit" in applications and "Delete" in applications
    tokens = client.get(reverse("web:organization_tokens", args=[org.pk])).content.decode()
    assert tokens.count(">Revoke<") == 2  # the member's application token and bound PAT
    detail = client.get(reverse("web:token", args=[world["member_app_token"].pk])).content.decode()
    assert ">Rename<" in detail and ">Revoke<" in detail
    assert ">Renew<" not in detail and ">Rotate<" not in detail


# Lists ---------------------------------------------------------------------------------------------


def test_my_tokens_filters_pages_and_says_when_a_token_expires_soon(org_member, world, browser):
    for number in range(22):
        factories.personal_token(org_member, description=f"pat {number}")
    soon = factories.personal_token(org_member, description="soon", expires=timezone.now() + timedelta(days=3, hours=1))
    client = browser(org_member)
    first = client.get(reverse("web:tokens")).content.decode()
    assert "Page 1 of 2" in first and "expires in 3 days" in first
    second = client.get(reverse("web:tokens") + "?page=2").content.decode()
    assert "Page 2 of 2" in second
    client.post(reverse("web:token_revoke", args=[soon.token.pk]))
    revoked = client.get(reverse("web:tokens") + "?status=revoked").content.decode()
    assert "soon" in revoked and "pat 1" not in revoked
    assert "member app token" in first or "member app token" in second
    assert "other org token" not in first + second


def test_last_use_and_its_address_are_shown(org_member, browser):
    issued = factories.personal_token(org_member, description="used")
    Client().get("/api/v2/me/", HTTP_AUTHORIZATION=f"Bearer {issued.value}", REMOTE_ADDR="10.1.2.3")
    html = browser(org_member).get(reverse("web:token", args=[issued.token.pk])).content.decode()
    assert "from 10.1.2.3" in html
