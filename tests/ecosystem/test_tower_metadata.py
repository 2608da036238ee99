"""What Tower clients read before they act: field types, choices, the resources they probe, the CSRF cookie."""

import pytest
from django.test import Client

from tokensvc.views import TOWER_RESOURCES_NOT_KEPT


def test_choices_are_value_label_pairs(client_for, superuser):
    post = client_for(superuser).options("/api/v2/applications/").json()["actions"]["POST"]

    assert post["client_type"]["type"] == "choice"
    assert post["client_type"]["choices"] == [["confidential", "Confidential"], ["public", "Public"]]
    assert [value for value, _ in post["authorization_grant_type"]["choices"]] == ["password", "authorization-code"]


def test_related_objects_are_ids_and_a_scope_is_a_string(client_for, superuser):
    client = client_for(superuser)
    applications = client.options("/api/v2/applications/").json()["actions"]
    tokens = client.options("/api/v2/tokens/").json()["actions"]

    assert applications["POST"]["organization"]["type"] == "id"
    assert applications["GET"]["organization"]["type"] == "id"
    assert tokens["POST"]["application"]["type"] == "id"
    assert tokens["GET"]["user"]["type"] == "id"
    assert tokens["POST"]["scope"]["type"] == "string"
    assert tokens["GET"]["scope"]["type"] == "string"
    # Method fields keep the type of what they return.
    assert tokens["GET"]["related"]["type"] == "object"
    assert tokens["GET"]["token"]["type"] == "string"


@pytest.mark.parametrize("name", TOWER_RESOURCES_NOT_KEPT)
def test_a_tower_resource_not_kept_is_an_empty_list_without_roles(client_for, superuser, name):
    client = client_for(superuser)
    url = f"/api/v2/{name}/"

    assert client.get(url).json() == {"count": 0, "next": None, "previous": None, "results": []}
    options = client.options(url)
    assert options.status_code == 200
    assert "actions" not in options.json() and "object_roles" not in options.json()
    assert client.post(url, {"name": "x"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405
    assert url not in client_for(None).get("/api/v2/").json().values()


def test_the_api_root_sets_the_csrf_cookie_a_session_login_needs():
    response = Client().get("/api/")

    assert response.status_code == 200
    assert "csrftoken" in response.cookies
