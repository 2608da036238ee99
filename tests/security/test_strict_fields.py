"""Ids are integers and text is text: nothing sent is truncated or coerced into another value."""

import pytest

from applications.models import Application
from tests import factories
from tokens.models import AccessToken
from users.models import Organization, User

# Each is a function of the id of an application the requester can see: near misses of it.
NOT_IDS = {
    "fraction": lambda pk: pk + 0.9,
    "float": lambda pk: float(pk),
    "true": lambda pk: True,
    "decimal-string": lambda pk: f"{pk}.0",
    "padded-string": lambda pk: f" {pk}",
    "exponent-string": lambda pk: f"{pk}e0",
    "superscript": lambda pk: "²",
    "huge": lambda pk: 10**30,
    "negative": lambda pk: -pk,
    "zero": lambda pk: 0,
    "list": lambda pk: [pk],
    "object": lambda pk: {"id": pk},
}


@pytest.mark.parametrize("make", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_a_token_application_must_be_an_integer_id(client_for, org_member, org, make):
    app = factories.application(org)
    client = client_for(org_member)
    before = AccessToken.objects.count()
    response = client.post("/api/v2/tokens/", {"application": make(app.pk)}, format="json")
    assert response.status_code == 400, response.content
    assert "application" in response.json()
    assert AccessToken.objects.count() == before


@pytest.mark.parametrize("as_string", [False, True])
def test_an_integer_or_digit_string_id_is_accepted(client_for, org_member, org, as_string):
    app = factories.application(org)
    value = str(app.pk) if as_string else app.pk
    response = client_for(org_member).post("/api/v2/tokens/", {"application": value}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["application"] == app.pk


@pytest.mark.parametrize("value", [1.9, True, "1.0", 10**30])
def test_an_application_organization_must_be_an_integer_id(client_for, superuser, org, value):
    body = {"name": "Strict", "client_type": "public", "authorization_grant_type": "password", "organization": value}
    response = client_for(superuser).post("/api/v2/applications/", body, format="json")
    assert response.status_code == 400, response.content
    assert "organization" in response.json()
    assert not Application.objects.filter(name="Strict").exists()


@pytest.mark.parametrize("value", [1.5, 1.0, True, "1.0", 10**30, -3])
def test_an_association_id_must_be_an_integer_id(client_for, superuser, org, value):
    response = client_for(superuser).post(f"/api/v2/organizations/{org.pk}/users/", {"id": value}, format="json")
    assert response.status_code == 400, response.content
    assert "id" in response.json()


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v2/organizations/", {"name": 0}, "name"),
        ("/api/v2/organizations/", {"name": float("1e300")}, "name"),
        ("/api/v2/organizations/", {"name": "ok", "description": True}, "description"),
        ("/api/v2/organizations/", {"name": ["a"]}, "name"),
        ("/api/v2/users/", {"username": 12345, "password": factories.PASSWORD}, "username"),
        ("/api/v2/users/", {"username": "bob", "password": 123456789012}, "password"),
        (
            "/api/v2/applications/",
            {"name": 7, "client_type": "public", "authorization_grant_type": "password"},
            "name",
        ),
        (
            "/api/v2/applications/",
            {"name": "x", "client_type": 1, "authorization_grant_type": "password"},
            "client_type",
        ),
        ("/api/v2/tokens/", {"description": 3}, "description"),
    ],
)
def test_text_and_choice_fields_take_strings_only(client_for, superuser, org, url, body, field):
    if "applications" in url:
        body = {**body, "organization": org.pk}
    orgs, users, apps = Organization.objects.count(), User.objects.count(), Application.objects.count()
    response = client_for(superuser).post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()[field] == ["Must be a string."]
    assert (Organization.objects.count(), User.objects.count(), Application.objects.count()) == (orgs, users, apps)


def test_form_bodies_still_carry_strings(client_for, superuser):
    response = client_for(superuser).post("/api/v2/organizations/", {"name": "Formed", "description": "d"})
    assert response.status_code == 201, response.content
