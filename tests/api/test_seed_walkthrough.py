"""The Tower OAuth2 walk-through, step by step over HTTP: application, token, Bearer use, revocation."""

from rest_framework.test import APIClient


def bearer(value):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def test_password_grant_application_token_walkthrough(client_for, org, org_admin, org_member):
    basic = client_for(org_admin, auth="basic")

    # 1. An application with the password grant, in our organization.
    response = basic.post(
        "/api/v2/applications/",
        {
            "name": "Admin Internal Application",
            "description": "For use by secure services & clients. ",
            "client_type": "confidential",
            "redirect_uris": "",
            "authorization_grant_type": "password",
            "skip_authorization": False,
            "organization": org.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    application = response.json()
    assert application["type"] == "o_auth2_application"
    assert application["authorization_grant_type"] == "password"

    # 2. A token for it, created with Basic auth; its value is shown this once.
    response = basic.post(
        "/api/v2/tokens/",
        {"description": "My Access Token", "application": application["id"], "scope": "write"},
        format="json",
    )
    assert response.status_code == 201, response.content
    token = response.json()
    value = token["token"]
    assert token["application"] == application["id"]
    assert token["user"] == org_admin.pk
    assert value != "************"
    assert basic.get(f"/api/v2/tokens/{token['id']}/").json()["token"] == "************"

    # 3. The value as a Bearer token.
    client = bearer(value)
    response = client.get("/api/v2/users/")
    assert response.status_code == 200
    assert {row["username"] for row in response.json()["results"]} >= {"org_admin", "org_member"}

    # The application now counts the token.
    summary = basic.get(f"/api/v2/applications/{application['id']}/").json()["summary_fields"]["tokens"]
    assert summary["count"] == 1
    assert summary["results"] == [{"id": token["id"], "token": "************", "scope": "write"}]

    # 4. The token deletes itself.
    assert client.delete(f"/api/v2/tokens/{token['id']}/").status_code == 204

    # 5. It is gone from /api/v2/tokens/ and no longer authenticates.
    listed = basic.get("/api/v2/tokens/").json()["results"]
    assert token["id"] not in {row["id"] for row in listed}
    assert basic.get(f"/api/v2/tokens/{token['id']}/").status_code == 404
    response = client.get("/api/v2/users/")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_personal_token_walkthrough(client_for, org_member):
    basic = client_for(org_member, auth="basic")
    response = basic.post(
        f"/api/v2/users/{org_member.pk}/personal_tokens/",
        {"description": "Personal Tower CLI token", "application": None, "scope": "write"},
        format="json",
    )
    assert response.status_code == 201, response.content
    token = response.json()
    assert token["application"] is None and token["refresh_token"] is None

    client = bearer(token["token"])
    assert client.get("/api/v2/me/").json()["results"][0]["username"] == "org_member"
    listed = {row["id"]: row for row in client.get("/api/v2/tokens/").json()["results"]}
    assert listed[token["id"]]["application"] is None
    assert listed[token["id"]]["token"] == "************"

    assert basic.delete(f"/api/v2/tokens/{token['id']}/").status_code == 204
    assert client.get("/api/v2/me/").status_code == 401
