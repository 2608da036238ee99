"""Fixtures of the web pages' tests: a world with every persona's objects, and browsers signed in as them."""

import re

import pytest
from django.test import Client

from tests import factories

ONCE = re.compile(r'name="once" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def world(
    db, org, other_org, superuser, system_auditor, org_admin, org_member, org_auditor, other_org_admin, plain_user
):
    """An application of each organization, a member's tokens (an application token and one bound to the org)."""
    app = factories.application(org, "Billing")
    other_app = factories.application(other_org, "Elsewhere")
    member_app_token = factories.application_token(org_member, app, description="member app token")
    member_bound_pat = factories.personal_token(org_member, description="member bound pat", organization=org)
    member_unbound_pat = factories.personal_token(org_member, description="member unbound pat")
    other_token = factories.application_token(other_org_admin, other_app, description="other org token")
    return {
        "app": app,
        "other_app": other_app,
        "member_app_token": member_app_token.token,
        "member_bound_pat": member_bound_pat.token,
        "member_unbound_pat": member_unbound_pat.token,
        "other_token": other_token.token,
    }


@pytest.fixture
def browser(db):
    """`browser(user)`: a Django test client signed in through the session, as a browser is; None: anonymous."""

    def make(user, **kwargs):
        client = Client(**kwargs)
        if user is not None:
            client.force_login(user)
        return client

    return make


def once_of(response) -> str:
    """The one-time key of a form that shows a secret."""
    match = ONCE.search(response.content.decode())
    assert match, "no one-time key on the page"
    return match.group(1)


def csrf_of(response) -> str:
    match = CSRF.search(response.content.decode())
    assert match, "no CSRF token on the page"
    return match.group(1)
