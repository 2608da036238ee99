"""The applications list runs the same number of queries whatever its page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.json()


def add_applications(org, start, stop, token_owner=None):
    for n in range(start, stop):
        app = factories.application(org, name=f"App {n:03}")
        if token_owner is not None:
            factories.application_token(token_owner, app)
            factories.application_token(token_owner, app).token.revoke(by=token_owner)


@pytest.mark.parametrize("persona_name", ["superuser", "org_member"])
@pytest.mark.parametrize("with_tokens", [False, True], ids=["no-tokens", "with-tokens"])
@pytest.mark.parametrize(
    "url_template",
    ["/api/v2/applications/", "/api/v2/organizations/{org}/applications/", "/api/v2/users/{member}/applications/"],
)
def test_list_queries_do_not_grow(client_for, persona, org, org_member, persona_name, with_tokens, url_template):
    client = client_for(persona(persona_name))
    url = url_template.format(org=org.pk, member=org_member.pk) + "?page_size=100"
    owner = org_member if with_tokens else None
    add_applications(org, 0, 2, owner)
    client.get(url)  # the first request may record the token's last use
    small, small_body = count_queries(client, url)
    add_applications(org, 2, 50, owner)
    large, large_body = count_queries(client, url)
    assert (small_body["count"], large_body["count"]) == (2, 50)
    assert large == small
    if with_tokens:
        # The summaries were really filled in (one live token each, the revoked one not counted).
        assert {item["summary_fields"]["tokens"]["count"] for item in large_body["results"]} == {1}
