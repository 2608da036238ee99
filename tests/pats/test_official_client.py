"""Azure DevOps' official Python client (azure-devops 7.1.0b4), unmodified, against a live server.

It discovers the routes with `OPTIONS {org}/_apis` (lower-casing the path), sends the
api-version in its Accept header and a Bearer token through `BasicTokenAuthentication`,
lists a member's PATs page by page, revokes one by id and the rest by a rule.
"""

import json
import os
import subprocess
from pathlib import Path

import requests

from activity.models import ActivityEntry
from tests import factories
from tests.support.ado_client import official_client_python
from tests.support.oauth import app_with_secret
from tests.support.tokenadmin import pat
from tokens.models import AccessToken

SCRIPT = Path(__file__).with_name("official_client.py")


def test_the_official_client_lists_and_revokes(live_server, org, other_org, tmp_path):
    python = official_client_python()
    admin = factories.user("org_admin", admin_of=[org])
    member = factories.user("member", member_of=[org, other_org], email="member@example.com")
    reader = pat(member, scope="read", description="reader").token
    bound_writer = pat(member, scope="write", description="bound writer", organization=org).token
    writer = pat(member, scope="read write", description="writer").token
    elsewhere = pat(member, scope="write", description="elsewhere", organization=other_org).token
    app, secret = app_with_secret(org, name="Admin script")
    grant = requests.post(
        f"{live_server.url}/api/o/token/",
        data={"grant_type": "password", "username": admin.username, "password": factories.PASSWORD},
        auth=(app.client_id, secret),
        timeout=30,
    )
    assert grant.status_code == 200, grant.text
    token = grant.json()["access_token"]

    env = {**os.environ, "AZURE_DEVOPS_CACHE_DIR": str(tmp_path / "ado-cache"), "HOME": str(tmp_path)}
    run = subprocess.run(
        [
            str(python),
            str(SCRIPT),
            f"{live_server.url}/{org.name}",
            token,
            member.username,
            str(reader.authorization_id),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)

    pages = seen["pages"]
    assert [len(page) for page in pages] == [2, 1]
    rows = {row["displayName"]: row for page in pages for row in page}
    assert set(rows) == {"reader", "bound writer", "writer"}
    assert rows["bound writer"]["targetAccounts"] == [str(org.uuid)]
    assert rows["reader"]["targetAccounts"] is None
    assert rows["reader"]["authorizationId"] == str(reader.authorization_id)
    assert all(row["token"] is None and row["isValid"] and row["validToAware"] for row in rows.values())
    assert {row["userId"] for row in rows.values()} == {str(member.pk)}
    assert seen["refusal"]["typeKey"] == "NotFoundException"
    assert "nobody-of-that-name" in seen["refusal"]["message"]

    revoked = {token.description: token.revoked_at is not None for token in AccessToken.objects.filter(user=member)}
    assert revoked == {"reader": True, "bound writer": True, "writer": True, "elsewhere": False}
    for token in (reader, bound_writer, writer):
        assert ActivityEntry.objects.filter(object_id=token.pk, operation="delete", actor=admin).exists()
    assert elsewhere.pk
