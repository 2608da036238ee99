"""The documented curl examples, run as written against a live server: token, refresh, revoke."""

import json
import subprocess

from tests import factories
from tests.support.oauth import app_with_secret
from tokens.models import AccessToken


def curl(*args) -> tuple[int, dict, str]:
    """Run curl with `-i` and return (status, headers, body)."""
    output = subprocess.run(["curl", "-s", *args], capture_output=True, text=True, timeout=30, check=True).stdout
    head, _, body = output.replace("\r\n", "\n").partition("\n\n")
    lines = head.split("\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def test_password_grant_refresh_and_revoke_with_curl(live_server, org):
    user = factories.user("nagios", member_of=[org])
    app, secret = app_with_secret(org, name="Default Application")
    tower = live_server.url.removeprefix("http://")

    # Token with the password grant.
    status, headers, body = curl(
        "-X",
        "POST",
        "-d",
        f"grant_type=password&username={user.username}&password={factories.PASSWORD}&scope=read",
        "-u",
        f"{app.client_id}:{secret}",
        f"http://{tower}/api/o/token/",
        "-i",
    )
    assert status == 200, body
    assert headers["cache-control"] == "no-store"
    first = json.loads(body)
    assert first["token_type"] == "Bearer" and first["scope"] == "read"

    status, _, body = curl("-H", f"Authorization: Bearer {first['access_token']}", f"http://{tower}/api/v2/me/", "-i")
    assert status == 200

    # Refresh with HTTP Basic client authentication, exactly as documented.
    status, headers, body = curl(
        "-X",
        "POST",
        "-d",
        f"grant_type=refresh_token&refresh_token={first['refresh_token']}",
        "-u",
        f"{app.client_id}:{secret}",
        f"http://{tower}/api/o/token/",
        "-i",
    )
    assert status == 200, body
    assert headers["content-type"] == "application/json"
    second = json.loads(body)
    assert second["scope"] == "read"
    assert second["access_token"] != first["access_token"]
    status, _, _ = curl("-H", f"Authorization: Bearer {first['access_token']}", f"http://{tower}/api/v2/me/", "-i")
    assert status == 401

    # Revoke.
    status, _, body = curl(
        "-X",
        "POST",
        "-d",
        f"token={second['access_token']}",
        "-u",
        f"{app.client_id}:{secret}",
        f"http://{tower}/api/o/revoke_token/",
        "-i",
    )
    assert status == 200, body
    status, _, _ = curl("-H", f"Authorization: Bearer {second['access_token']}", f"http://{tower}/api/v2/me/", "-i")
    assert status == 401
    assert AccessToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0

    # And the documented note: JSON is not accepted by /api/o/.
    status, _, body = curl(
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "-d",
        json.dumps({"grant_type": "password"}),
        "-u",
        f"{app.client_id}:{secret}",
        f"http://{tower}/api/o/token/",
        "-i",
    )
    assert status == 400
    assert "application/x-www-form-urlencoded" in json.loads(body)["error_description"]
