"""Tower-style API conventions: roots, ping, object and list shapes, filters, OPTIONS, errors, authentication."""

import base64
import re
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client

from tests import factories
from users.models import Organization, User

BASE_KEYS = ["id", "type", "url", "related", "summary_fields", "created", "modified"]


def _usernames(response):
    assert response.status_code == 200, response.content
    return [row["username"] for row in response.json()["results"]]


@pytest.fixture
def many_users(db):
    User.objects.bulk_create([User(username=f"user{index:03d}", first_name=f"F{index % 7}") for index in range(30)])


# Roots and ping ---------------------------------------------------------------


def test_api_root_describes_versions(client_for):
    response = client_for(None).get("/api/")
    assert response.status_code == 200
    assert response.json() == {
        "description": "tokensvc REST API",
        "current_version": "/api/v2/",
        "available_versions": {"v2": "/api/v2/"},
        "oauth2": "/api/o/",
    }


def test_v2_root_lists_resources_that_answer(client_for, superuser):
    response = client_for(None).get("/api/v2/")

    assert response.status_code == 200
    resources = response.json()
    for name in ("ping", "me", "users", "organizations"):
        assert resources[name] == f"/api/v2/{name}/"
    client = client_for(superuser)
    for url in resources.values():
        assert client.get(url).status_code == 200, url


def test_ping_is_anonymous_and_reports_the_database(client_for):
    response = client_for(None).get("/api/v2/ping/")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", body["version"])


def test_ping_reports_an_unavailable_database(client_for):
    with mock.patch("tokensvc.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client_for(None).get("/api/v2/ping/")

    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response.json()["database"] == "unavailable"


# Object shape -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["users", "organizations"])
def test_objects_have_the_tower_shape(client_for, superuser, org, kind):
    pk = superuser.pk if kind == "users" else org.pk

    body = client_for(superuser).get(f"/api/v2/{kind}/{pk}/").json()

    assert list(body)[: len(BASE_KEYS)] == BASE_KEYS
    assert body["id"] == pk
    assert body["type"] == kind[:-1]
    assert body["url"] == f"/api/v2/{kind}/{pk}/"
    assert isinstance(body["related"], dict) and body["related"]
    assert body["summary_fields"]["user_capabilities"] == {"edit": True, "delete": kind != "users"}
    assert body["created"] and body["modified"]


@pytest.mark.parametrize(
    ("persona_name", "url_of", "edit", "delete"),
    [
        ("org_admin", lambda world: f"/api/v2/organizations/{world['org'].pk}/", True, False),
        ("org_member", lambda world: f"/api/v2/organizations/{world['org'].pk}/", False, False),
        ("system_auditor", lambda world: f"/api/v2/organizations/{world['org'].pk}/", False, False),
        ("org_member", lambda world: f"/api/v2/users/{world['org_member'].pk}/", True, False),
        ("org_admin", lambda world: f"/api/v2/users/{world['org_member'].pk}/", False, False),
    ],
    ids=["admin-org", "member-org", "auditor-org", "member-self", "admin-member"],
)
def test_user_capabilities_follow_the_rules_and_the_scope(
    persona, client_for, org, org_member, persona_name, url_of, edit, delete
):
    user = persona(persona_name)
    url = url_of({"org": org, "org_member": org_member})

    writable = client_for(user).get(url).json()["summary_fields"]["user_capabilities"]
    readable = client_for(user, scope="read").get(url).json()["summary_fields"]["user_capabilities"]

    assert writable == {"edit": edit, "delete": delete}
    assert readable == {"edit": False, "delete": False}


def test_a_read_token_reports_no_capabilities_even_for_a_superuser(client_for, superuser, org):
    body = client_for(superuser, scope="read").get("/api/v2/organizations/").json()
    assert body["results"][0]["summary_fields"]["user_capabilities"] == {"edit": False, "delete": False}


# Lists ------------------------------------------------------------------------


def test_lists_are_paginated_25_by_default(client_for, superuser, many_users):
    client = client_for(superuser)

    first = client.get("/api/v2/users/").json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 31
    assert len(first["results"]) == 25
    assert first["previous"] is None
    assert first["next"] == "/api/v2/users/?page=2"

    second = client.get(first["next"]).json()
    assert len(second["results"]) == 6
    assert second["next"] is None
    assert second["previous"] == "/api/v2/users/"
    assert not {row["id"] for row in first["results"]} & {row["id"] for row in second["results"]}


def test_page_size_is_honoured_up_to_200(client_for, superuser):
    User.objects.bulk_create([User(username=f"bulk{index:03d}") for index in range(210)])
    client = client_for(superuser)

    assert len(client.get("/api/v2/users/?page_size=5").json()["results"]) == 5
    assert len(client.get("/api/v2/users/?page_size=200").json()["results"]) == 200
    assert len(client.get("/api/v2/users/?page_size=1000").json()["results"]) == 200


@pytest.mark.parametrize("page", ["99", "0", "abc"])
def test_a_page_out_of_range_is_404(client_for, superuser, page):
    assert client_for(superuser).get(f"/api/v2/users/?page={page}").status_code == 404


def test_order_by_accepts_several_fields_and_descending(client_for, superuser, many_users):
    client = client_for(superuser)

    descending = _usernames(client.get("/api/v2/users/?order_by=-username&page_size=200"))
    assert descending == sorted(descending, reverse=True)

    rows = client.get("/api/v2/users/?order_by=first_name,-username&page_size=200").json()["results"]
    keys = [(row["first_name"], row["username"]) for row in rows]
    expected = sorted(keys, key=lambda key: key[1], reverse=True)
    expected.sort(key=lambda key: key[0])
    assert keys == expected


def test_search_matches_the_search_fields(client_for, superuser, many_users):
    factories.user("carol", email="carol@example.org")
    client = client_for(superuser)

    assert _usernames(client.get("/api/v2/users/?search=example.org")) == ["carol"]
    assert _usernames(client.get("/api/v2/users/?search=USER02&order_by=username")) == [
        f"user{index:03d}" for index in range(20, 30)
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("username=carol", ["carol"]),
        ("username__startswith=ca", ["carol"]),
        ("username__in=carol,dave", ["carol", "dave"]),
        ("is_superuser=true", ["root"]),
        ("is_superuser=false&username__icontains=A", ["carol", "dave"]),
        ("first_name=", ["dave", "root"]),
        ("email__endswith=example.org", ["carol"]),
        ("id__gt=0&order_by=-id", ["dave", "carol", "root"]),
    ],
)
def test_exact_filters_and_lookups(client_for, superuser, query, expected):
    factories.user("carol", email="carol@example.org", first_name="Carol")
    factories.user("dave")

    response = client_for(superuser).get(f"/api/v2/users/?{query}")

    assert _usernames(response) == expected


def test_filters_follow_relations(client_for, superuser, org):
    response = client_for(superuser).get("/api/v2/organizations/?name=Default")
    assert [row["id"] for row in response.json()["results"]] == [org.pk]


@pytest.mark.parametrize(
    "query",
    [
        "password=x",
        "password__startswith=md5",
        "order_by=password",
        "order_by=-password",
        "order_by=username,password",
    ],
)
def test_secret_fields_cannot_be_filtered_or_ordered(client_for, superuser, query):
    response = client_for(superuser).get(f"/api/v2/users/?{query}")

    assert response.status_code == 403
    assert "not allowed" in response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    ["nonsense=1", "username__regex=.*", "order_by=nonsense", "id=abc", "is_superuser=maybe", "last_login__gt=soon"],
)
def test_bad_filters_are_400(client_for, superuser, query):
    response = client_for(superuser).get(f"/api/v2/users/?{query}")

    assert response.status_code == 400, response.content
    assert response.json()


def test_filters_cannot_reach_past_visibility(client_for, org_member, plain_user):
    response = client_for(plain_user).get("/api/v2/users/?username=org_member")
    assert response.json()["count"] == 0


# OPTIONS ----------------------------------------------------------------------


def test_options_on_a_list_describes_reads_and_creates(client_for, superuser):
    actions = client_for(superuser).options("/api/v2/users/").json()["actions"]

    assert set(actions) == {"GET", "POST"}
    for name, info in actions["GET"].items():
        assert {"type", "label", "help_text", "filterable"} <= set(info), name
    assert "password" not in actions["GET"]
    assert actions["GET"]["username"]["filterable"] is True
    assert actions["GET"]["related"]["type"] == "object"
    assert actions["GET"]["url"]["type"] == "string"
    assert actions["GET"]["related"]["filterable"] is False

    post = actions["POST"]
    for name, info in post.items():
        assert {"type", "required", "help_text"} <= set(info), name
    assert set(post) == {
        "username",
        "first_name",
        "last_name",
        "email",
        "is_superuser",
        "is_system_auditor",
        "is_active",
        "password",
    }
    assert post["username"]["required"] is True
    assert post["password"]["required"] is True
    assert post["is_superuser"]["default"] is False
    assert post["is_active"]["default"] is True


def test_options_on_an_association_endpoint_describes_its_body(client_for, superuser, org):
    actions = client_for(superuser).options(f"/api/v2/organizations/{org.pk}/admins/").json()["actions"]
    assert actions["POST"]["id"]["required"] is True
    assert actions["POST"]["disassociate"]["default"] is False
    assert actions["GET"]["username"]["type"] == "string"


def test_options_omits_create_for_those_who_cannot_create(client_for, plain_user):
    actions = client_for(plain_user).options("/api/v2/users/").json()["actions"]
    assert set(actions) == {"GET"}


def test_options_on_a_detail_shows_put_only_to_those_who_may_change(client_for, org_member, org_admin):
    own = client_for(org_member).options(f"/api/v2/users/{org_member.pk}/").json()["actions"]
    assert set(own) == {"GET", "PUT"}
    assert own["PUT"]["password"]["required"] is False

    colleague = client_for(org_admin).options(f"/api/v2/users/{org_member.pk}/").json()["actions"]
    assert set(colleague) == {"GET"}


def test_options_with_a_read_token_shows_no_writes(client_for, superuser, org):
    for url in ("/api/v2/users/", f"/api/v2/organizations/{org.pk}/"):
        actions = client_for(superuser, scope="read").options(url).json()["actions"]
        assert set(actions) == {"GET"}, url


def test_options_on_an_invisible_object_is_404(client_for, plain_user, org):
    assert client_for(plain_user).options(f"/api/v2/organizations/{org.pk}/").status_code == 404


def test_options_on_an_organization_describes_put(client_for, org_admin, org):
    actions = client_for(org_admin).options(f"/api/v2/organizations/{org.pk}/").json()["actions"]
    assert set(actions["PUT"]) == {"name", "description"}
    assert actions["PUT"]["name"]["required"] is True
    assert actions["PUT"]["description"]["default"] == ""


# Status codes -----------------------------------------------------------------


def test_create_is_201_with_location_and_delete_is_204(client_for, superuser):
    client = client_for(superuser)

    created = client.post("/api/v2/organizations/", {"name": "Acme"}, format="json")
    assert created.status_code == 201
    assert created["Location"] == created.json()["url"]

    deleted = client.delete(created["Location"])
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(created["Location"]).status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("delete", "/api/v2/users/"),
        ("put", "/api/v2/organizations/"),
        ("patch", "/api/v2/users/"),
        ("post", "/api/v2/ping/"),
        ("delete", "/api/v2/me/"),
        ("post", "/api/v2/"),
    ],
)
def test_unsupported_methods_are_405(client_for, superuser, method, url):
    response = getattr(client_for(superuser), method)(url, {}, format="json")
    assert response.status_code == 405
    assert "not allowed" in response.json()["detail"]


@pytest.mark.parametrize(
    "credentials",
    [None, "Bearer tsp_notavalidtoken", "Basic " + base64.b64encode(b"root:wrong-password").decode()],
    ids=["none", "bad-bearer", "bad-basic"],
)
def test_missing_or_invalid_credentials_are_401_with_a_challenge(client_for, superuser, credentials):
    client = client_for(None)
    if credentials:
        client.credentials(HTTP_AUTHORIZATION=credentials)

    response = client.get("/api/v2/users/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer realm=")


def test_http_basic_authenticates(client_for, org_member):
    response = client_for(org_member, auth="basic").get("/api/v2/me/")
    assert response.status_code == 200
    assert response.json()["results"][0]["username"] == "org_member"


# Bad input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v2/organizations/", {"name": {"nested": 1}}, "name"),
        ("/api/v2/organizations/", {"name": ["a"]}, "name"),
        ("/api/v2/organizations/", {"name": None}, "name"),
        ("/api/v2/organizations/", {"description": "no name"}, "name"),
        ("/api/v2/organizations/", {"name": "x" * 513}, "name"),
        ("/api/v2/organizations/", {"name": "Acme", "colour": "red"}, "colour"),
        ("/api/v2/organizations/", {"name": "Acme", "id": 5, "created": "2020-01-01", "owner": 1}, "owner"),
        ("/api/v2/users/", {"username": "u" * 151, "password": factories.PASSWORD}, "username"),
        ("/api/v2/users/", {"username": "has space", "password": factories.PASSWORD}, "username"),
        ("/api/v2/users/", {"username": "ok", "password": factories.PASSWORD, "is_superuser": "maybe"}, "is_superuser"),
        ("/api/v2/users/", {"username": "ok", "password": factories.PASSWORD, "email": "not-an-email"}, "email"),
        ("/api/v2/users/", {"username": "ok", "password": factories.PASSWORD * 20}, "password"),
        ("/api/v2/users/", {"username": "ok", "password": 12345678901234}, "password"),
        ("/api/v2/users/", {"password": factories.PASSWORD}, "username"),
    ],
    ids=[
        "object-for-string",
        "list-for-string",
        "null-name",
        "missing-name",
        "name-too-long",
        "unknown-field",
        "unknown-among-read-only",
        "username-too-long",
        "username-bad-characters",
        "boolean-not-boolean",
        "bad-email",
        "password-too-long",
        "password-not-string",
        "missing-username",
    ],
)
def test_bad_input_is_400_naming_the_field(client_for, superuser, url, body, field):
    response = client_for(superuser).post(url, body, format="json")

    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors
    assert all(isinstance(message, str) for message in errors[field])


@pytest.mark.parametrize(
    "raw",
    ['{"name": ', "[1, 2]", '"just a string"', "null", "42", "{'name': 'single quotes'}", "\xff\xfe"],
    ids=["truncated", "array", "string", "null", "number", "not-json", "not-utf8"],
)
@pytest.mark.parametrize("url", ["/api/v2/organizations/", "/api/v2/users/"])
def test_malformed_or_non_object_bodies_are_400(client_for, superuser, url, raw):
    response = client_for(superuser).generic("POST", url, raw.encode("latin-1"), content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()


def test_malformed_json_says_so(client_for, superuser):
    response = client_for(superuser).generic("POST", "/api/v2/organizations/", b'{"name": ', "application/json")
    assert "Malformed request body" in response.json()["detail"]


def test_bad_input_on_update_is_400(client_for, superuser, org, org_member):
    client = client_for(superuser)
    assert client.patch(f"/api/v2/organizations/{org.pk}/", {"name": ""}, format="json").status_code == 400
    assert client.patch(f"/api/v2/users/{org_member.pk}/", {"is_active": "x"}, format="json").status_code == 400
    response = client.generic("PATCH", f"/api/v2/users/{org_member.pk}/", b"[]", content_type="application/json")
    assert response.status_code == 400


def test_an_unsupported_media_type_is_415(client_for, superuser):
    response = client_for(superuser).generic("POST", "/api/v2/organizations/", b"name=x", content_type="text/plain")
    assert response.status_code == 415


def test_a_duplicate_username_is_400(client_for, superuser):
    response = client_for(superuser).post(
        "/api/v2/users/", {"username": "root", "password": factories.PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "username" in response.json()


# Browser sessions and the browsable API ---------------------------------------


def _csrf_from(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_session_login_and_logout_through_the_browsable_api(org_member):
    browser = Client(enforce_csrf_checks=True)

    page = browser.get("/api/login/")
    assert page.status_code == 200
    token = _csrf_from(page.content.decode())

    login = browser.post(
        "/api/login/?next=/api/v2/me/",
        {"username": "org_member", "password": factories.PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert login.status_code == 302
    assert login["Location"] == "/api/v2/me/"

    me = browser.get("/api/v2/me/", HTTP_ACCEPT="application/json")
    assert me.status_code == 200
    assert me.json()["results"][0]["username"] == "org_member"

    logout = browser.post("/api/logout/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert logout.status_code in {200, 302}
    assert browser.get("/api/v2/me/", HTTP_ACCEPT="application/json").status_code == 401


def test_session_login_with_a_wrong_password_fails(org_member):
    browser = Client(enforce_csrf_checks=True)
    token = _csrf_from(browser.get("/api/login/").content.decode())

    response = browser.post("/api/login/", {"username": "org_member", "password": "nope", "csrfmiddlewaretoken": token})

    assert response.status_code == 200
    assert "_auth_user_id" not in browser.session


def test_session_login_without_csrf_is_refused(org_member):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/api/login/", {"username": "org_member", "password": factories.PASSWORD})
    assert response.status_code == 403


def test_session_writes_need_the_csrf_token(superuser):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(superuser)

    refused = browser.post("/api/v2/organizations/", {"name": "Acme"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    browser.get("/api/v2/organizations/", HTTP_ACCEPT="text/html")
    accepted = browser.post(
        "/api/v2/organizations/",
        {"name": "Acme"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert accepted.status_code == 201
    assert Organization.objects.filter(name="Acme").exists()


@pytest.mark.parametrize(
    "url_of",
    [
        lambda world: "/api/",
        lambda world: "/api/v2/",
        lambda world: "/api/v2/users/",
        lambda world: f"/api/v2/users/{world['user'].pk}/",
        lambda world: f"/api/v2/users/{world['user'].username}/organizations/",
        lambda world: "/api/v2/organizations/",
        lambda world: f"/api/v2/organizations/{world['org'].pk}/",
        lambda world: f"/api/v2/organizations/{world['org'].pk}/admins/",
    ],
    ids=["root", "v2", "users", "user", "user-orgs", "orgs", "org", "org-admins"],
)
def test_the_browsable_api_renders_html(superuser, org_member, org, url_of):
    browser = Client()
    browser.force_login(superuser)

    response = browser.get(url_of({"user": org_member, "org": org}), HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "<html" in response.content.decode()


def test_filters_and_ordering_use_api_field_names(client_for, superuser):
    # A user's `created` is stored as date_joined; clients only know the API name.
    factories.user("early", date_joined="2020-01-01T00:00:00Z")
    client = client_for(superuser)

    assert _usernames(client.get("/api/v2/users/?order_by=created")) == ["early", "root"]
    assert _usernames(client.get("/api/v2/users/?order_by=-created")) == ["root", "early"]
    assert _usernames(client.get("/api/v2/users/?created__lt=2021-01-01T00:00:00Z")) == ["early"]


def test_me_with_a_bearer_token_costs_one_query(client_for, org_member, django_assert_num_queries):
    """The token lookup (with its user) is the only query of GET /api/v2/me/ once last_used is fresh."""
    client = client_for(org_member)
    assert client.get("/api/v2/me/").status_code == 200  # writes last_used once
    with django_assert_num_queries(1):
        response = client.get("/api/v2/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    assert [user["username"] for user in body["results"]] == ["org_member"]
    assert body["results"][0]["summary_fields"]["user_capabilities"] == {"edit": True, "delete": False}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v2/organizations/99999999999999999999999/",
        "/api/v2/users/99999999999999999999999/",
        "/api/v2/users/\u00b2/",  # a digit to str.isdigit(), not to int()
        "/api/v2/users/\u00b2/organizations/",
        "/api/v2/tokens/99999999999999999999999/",
        "/api/v2/applications/99999999999999999999999/tokens/",
        "/api/v2/users/?id__in=99999999999999999999",
        "/api/v2/users/?id=99999999999999999999",
        "/api/v2/activity_stream/?changes__contains=x",
        "/api/v2/activity_stream/?object_id__in=1,99999999999999999999",
        "/api/v2/tokens/?last_used_ip=abc",
    ],
)
def test_hostile_ids_and_filter_values_are_4xx_not_500(url, client_for, superuser):
    response = client_for(superuser).get(url)
    assert response.status_code in (400, 404), (response.status_code, response.content[:200])
    if response.status_code == 400:
        assert response.json()["detail"]


def test_status_is_a_filter_of_token_lists_only(client_for, superuser):
    client = client_for(superuser)
    assert client.get("/api/v2/users/?status=active").status_code == 400
    assert client.get("/api/v2/tokens/?status=all").status_code == 200
