"""The foundation answers: roots, ping, bearer authentication."""


def test_api_root_lists_versions(client_for):
    response = client_for(None).get("/api/")
    assert response.status_code == 200
    assert response.json() == {
        "description": "tokensvc REST API",
        "current_version": "/api/v2/",
        "available_versions": {"v2": "/api/v2/"},
        "oauth2": "/api/o/",
    }


def test_bearer_pat_authenticates_me(client_for, org_member):
    response = client_for(org_member).get("/api/v2/me/")
    assert response.status_code == 200
    assert response.json()["results"][0]["username"] == "org_member"


def test_read_token_cannot_write(client_for, superuser):
    response = client_for(superuser, scope="read").post("/api/v2/organizations/", {"name": "X"}, format="json")
    assert response.status_code == 403
    assert "write" in response.json()["detail"]
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
