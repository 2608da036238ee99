"""The web pages in a real browser: headless Chromium on a live server, every page screenshotted and checked by axe.

The scenarios: sign in; create a PAT, read its value shown once and use it as a Bearer token;
renew it; revoke it and see the Bearer call refused; an org admin creates an application and
sees its secret once; a policy refusal in words; an auditor sees no buttons; the browsable
API's own login and PAT form.
"""

import json
import re
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.web.browser import Audit, axe_source, chromium_path, unavailable
from tokens.models import AccessToken, OrganizationTokenPolicy

VALUE = re.compile(r"\b(?:tsp|tsa|tsr)_[0-9A-Za-z]{38}\b")
STARTED = time.monotonic()


@pytest.fixture(scope="module")
def chromium():
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (requirements-dev.txt)")
    # Playwright's sync API runs an event loop in this thread for as long as the browser is open;
    # the tests' own ORM calls (and the database teardown) stay synchronous all the same.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable)
            yield browser
            browser.close()


@pytest.fixture(scope="module")
def audit():
    audit = Audit(axe_source())
    yield audit
    # Every page, at both widths, had no serious or critical finding.
    assert audit.failures == {}, json.dumps(audit.failures, indent=1)


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context (no cookies) on the live server; no script error and no CSP refusal on any page.

    (A form answered 400 or 403 is logged to the console as a failed load: that one is expected.)
    """
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None
        ),
    )
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert problems == [], problems


def bearer(live_server, value):
    request = urllib.request.Request(
        f"{live_server.url}/api/v2/me/", headers={"Authorization": f"Bearer {value}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def sign_in(page, username, password=factories.PASSWORD):
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def day(days):
    return (timezone.now() + timedelta(days=days)).date().isoformat()


def test_a_member_signs_in_and_manages_a_pat(page, live_server, audit, transactional_db):
    org = factories.organization("Default")
    factories.user("alice", member_of=[org])

    page.goto("/")
    assert page.url.startswith(f"{live_server.url}/signin/")
    audit.page(page, "signin")
    sign_in(page, "alice", "wrong password")
    expect(page.get_by_text("The username or password is not correct")).to_be_visible()
    audit.page(page, "signin-refused")
    sign_in(page, "alice")
    expect(page.get_by_role("heading", name="My tokens")).to_be_visible()

    page.get_by_role("link", name="Create a personal access token").click()
    expect(page.get_by_role("heading", name="Longest allowed lifetime")).to_be_visible()
    audit.page(page, "token-create")
    page.get_by_label("Description").fill("deploy bot")
    page.get_by_label("Read: look, never change").check()
    page.get_by_label("Organization binding").select_option(label="Default")
    page.get_by_role("button", name="Create token").click()

    field = page.get_by_label(re.compile("Token value of"))
    value = field.input_value()
    assert VALUE.fullmatch(value) and value.startswith("tsp_")
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    page.get_by_role("button", name="Copy to clipboard").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == value
    audit.page(page, "token-value")
    status, me = bearer(live_server, value)
    assert status == 200 and me["results"][0]["username"] == "alice"

    # A reload sends the form again: nothing is created and nothing shown.
    page.reload()
    assert value not in page.content()
    expect(page.get_by_text("That form was sent already")).to_be_visible()
    assert AccessToken.objects.filter(description="deploy bot").count() == 1

    audit.page(page, "tokens")
    page.get_by_role("link", name="deploy bot").click()
    audit.page(page, "token-detail")
    token = AccessToken.objects.get(description="deploy bot")

    page.get_by_role("link", name="Renew").click()
    audit.page(page, "token-renew")
    page.get_by_label("New expiry date").fill(day(60))
    page.get_by_role("button", name="Renew").click()
    expect(page.get_by_text("The token is renewed.")).to_be_visible()
    token.refresh_from_db()
    assert timedelta(days=59) < token.expires - timezone.now() <= timedelta(days=60)

    page.get_by_role("link", name="Rename").click()
    audit.page(page, "token-rename")
    page.get_by_label("Description").fill("deploy bot (prod)")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Token “deploy bot (prod)”")).to_be_visible()

    page.get_by_role("link", name="Revoke").click()
    audit.page(page, "token-revoke")
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_text("is revoked: it no longer works")).to_be_visible()
    assert bearer(live_server, value)[0] == 401
    page.get_by_role("link", name="Revoked").click()
    expect(page.get_by_role("link", name="deploy bot (prod)")).to_be_visible()
    audit.page(page, "tokens-revoked")


def test_a_member_rotates_a_pat_and_sees_the_new_value_once(page, live_server, audit, transactional_db):
    user = factories.user("bob")
    old = factories.personal_token(user, description="nightly", expires=timezone.now() + timedelta(days=5))
    sign_in(page, "bob")
    expect(page.get_by_text("expires in 4 days").or_(page.get_by_text("expires in 5 days")).first).to_be_visible()
    page.get_by_role("link", name="nightly").click()
    page.get_by_role("link", name="Rotate").click()
    audit.page(page, "token-rotate")
    page.get_by_role("button", name="Rotate").click()
    value = page.get_by_label(re.compile("Token value of")).input_value()
    assert value != old.value
    audit.page(page, "token-rotated")
    assert bearer(live_server, old.value)[0] == 401
    assert bearer(live_server, value)[0] == 200
    page.reload()
    assert value not in page.content()


def test_an_org_admin_creates_an_application_and_sees_its_secret_once(page, live_server, audit, transactional_db):
    org = factories.organization("Default")
    factories.user("carol", admin_of=[org])
    member = factories.user("dave", member_of=[org])
    app = factories.application(org, "Billing")
    factories.application_token(member, app, description="dave's billing token")

    sign_in(page, "carol")
    page.get_by_role("link", name="Organizations").click()
    audit.page(page, "organizations")
    page.get_by_role("link", name="Applications of Default").click()
    audit.page(page, "applications")
    page.get_by_role("link", name="Create an application").click()
    audit.page(page, "application-create")
    page.get_by_label("Name").fill("Deployer")
    page.get_by_label("Client type").select_option("confidential")
    page.get_by_label("Grant type").select_option("password")
    page.get_by_role("button", name="Create application").click()
    secret = page.get_by_label("Client secret").input_value()
    assert len(secret) > 20
    audit.page(page, "application-secret")
    page.reload()
    assert secret not in page.content()
    page.goto(f"/organizations/{org.pk}/applications/")
    assert secret not in page.content()

    page.get_by_role("link", name="Edit Deployer").click()
    audit.page(page, "application-edit")
    page.get_by_label("Redirect URIs").fill("ftp://files.example/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_redirect_uris_error")).to_contain_text("is not an absolute http or https URL")
    audit.page(page, "application-edit-refused")

    page.goto(f"/organizations/{org.pk}/tokens/")
    audit.page(page, "organization-tokens")
    page.get_by_role("link", name=re.compile("Revoke dave's billing token")).click()
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    assert page.url.endswith(f"/organizations/{org.pk}/tokens/")

    page.goto(f"/organizations/{org.pk}/policy/")
    page.get_by_label("Longest lifetime of a member's personal access token (days)").fill("30")
    page.get_by_label("Members may not create write-scoped personal access tokens").check()
    page.get_by_role("button", name="Save the policy").click()
    expect(page.get_by_text("The token policy of Default is saved.")).to_be_visible()
    audit.page(page, "organization-policy")

    page.goto(f"/applications/{app.pk}/delete/")
    audit.page(page, "application-delete")
    page.get_by_role("button", name="Delete the application").click()
    expect(page.get_by_text("The application Billing is deleted")).to_be_visible()


def test_a_policy_refusal_is_shown_in_words(page, live_server, audit, transactional_db):
    org = factories.organization("Default")
    factories.user("erin", member_of=[org])
    OrganizationTokenPolicy.objects.create(organization=org, max_pat_lifetime_days=7, restrict_full_scope_pats=True)
    sign_in(page, "erin")
    page.goto("/tokens/new/")
    expect(
        page.get_by_text("Organization 'Default' allows personal access tokens to live at most 7 day(s).").first
    ).to_be_visible()
    page.get_by_label("Description").fill("too much")
    page.get_by_label("Write: read and change").check()
    page.get_by_label("Organization binding").select_option(label="Default")
    page.get_by_role("button", name="Create token").click()
    error = page.locator("#id_scope_error")
    assert "does not allow personal access tokens with write scope" in error.inner_text()
    audit.page(page, "token-create-refused")
    page.get_by_label("Read: look, never change").check()
    page.get_by_label("Expires").fill(day(30))
    page.get_by_role("button", name="Create token").click()
    assert "at most 7 day(s)" in page.locator("#id_expires_error").inner_text()
    assert page.get_by_label("Expires").get_attribute("aria-describedby").startswith("id_expires_error")
    assert not AccessToken.objects.exists()


def test_an_auditor_sees_no_buttons(page, live_server, audit, transactional_db):
    org = factories.organization("Default")
    factories.user("frank", auditor_of=[org])
    member = factories.user("gina", member_of=[org])
    app = factories.application(org, "Billing")
    token = factories.application_token(member, app, description="gina's token").token
    sign_in(page, "frank")
    for path, name in (
        (f"/organizations/{org.pk}/applications/", "auditor-applications"),
        (f"/organizations/{org.pk}/tokens/", "auditor-organization-tokens"),
        (f"/organizations/{org.pk}/policy/", "auditor-policy"),
        (f"/tokens/{token.pk}/", "auditor-token-detail"),
    ):
        page.goto(path)
        assert page.locator("main .button, main form button").count() == 0, path
        audit.page(page, name)
    page.goto(f"/tokens/{token.pk}/revoke/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    audit.page(page, "not-allowed")


def test_the_browsable_api_login_and_its_pat_form(page, live_server, transactional_db):
    user = factories.user("hank")
    page.goto("/api/login/")
    page.locator("#id_username").fill("hank")
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.goto(f"/api/v2/users/{user.pk}/personal_tokens/")
    tab = page.locator("a[name=html-tab]")
    if tab.count():
        tab.click()
    form = page.locator("#post-object-form form")
    form.locator("[name=description]").fill("from the browsable API")
    form.locator("[name=scope]").fill("read")
    form.get_by_role("button", name="POST").click()
    page.wait_for_selector("text=from the browsable API")
    value = VALUE.search(page.content()).group(0)
    assert bearer(live_server, value)[0] == 200
    # The web pages share the session: the token is listed there, its value is not.
    page.goto("/")
    expect(page.get_by_role("link", name="from the browsable API")).to_be_visible()
    assert value not in page.content()
