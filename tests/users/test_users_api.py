"""The users API: self-service edits, system flags, passwords, username lookups, visibility, /me/."""

import base64

import pytest
from django.test import Client

from tests import factories
from users.models import User


def _usernames(response):
    assert response.status_code == 200, response.content
    return sorted(row["username"] for row in response.json()["results"])


@pytest.mark.parametrize(
    "changes",
    [
        {"first_name": "Ada", "last_name": "Lovelace"},
        {"email": "ada@example.com"},
        {"password": "A-much-better-one-77", "current_password": factories.PASSWORD},
    ],
    ids=["names", "email", "password"],
)
def test_users_edit_their_own_names_email_and_password(client_for, org_member, changes):
    # One's own password changes only over an interactive sign-in (tests/users/test_passwords.py).
    auth = "basic" if "password" in changes else "bearer"
    response = client_for(org_member, auth=auth).patch(f"/api/v2/users/{org_member.pk}/", changes, format="json")

    assert response.status_code == 200, response.content
    org_member.refresh_from_db()
    for name, value in changes.items():
        if name == "current_password":
            continue
        if name == "password":
            assert org_member.check_password(value)
        else:
            assert getattr(org_member, name) == value
    assert "password" not in response.json()


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"username": "renamed"}, "username"),
        ({"is_active": False}, "is_active"),
        ({"is_superuser": True}, "is_superuser"),
        ({"is_system_auditor": True}, "is_system_auditor"),
        ({"first_name": "Ok", "is_superuser": True}, "is_superuser"),
    ],
    ids=["username", "is_active", "is_superuser", "is_system_auditor", "mixed"],
)
def test_users_cannot_change_other_fields_of_their_own_account(client_for, org_admin, changes, named):
    response = client_for(org_admin).patch(f"/api/v2/users/{org_admin.pk}/", changes, format="json")

    assert response.status_code == 403
    assert named in response.json()["detail"]
    org_admin.refresh_from_db()
    assert org_admin.username == "org_admin"
    assert org_admin.is_active and not org_admin.is_superuser and not org_admin.is_system_auditor
    assert org_admin.first_name == ""


def test_a_full_put_of_your_own_unchanged_record_is_allowed(client_for, plain_user):
    client = client_for(plain_user)
    current = client.get(f"/api/v2/users/{plain_user.pk}/").json()
    current["last_name"] = "Smith"

    response = client.put(f"/api/v2/users/{plain_user.pk}/", current, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["last_name"] == "Smith"


def test_a_system_auditor_cannot_grant_itself_more(client_for, system_auditor):
    response = client_for(system_auditor).patch(
        f"/api/v2/users/{system_auditor.pk}/", {"is_superuser": True}, format="json"
    )
    assert response.status_code == 403
    assert "Only a system administrator" in response.json()["detail"]


@pytest.mark.parametrize("flag", ["is_superuser", "is_system_auditor"])
def test_only_a_superuser_grants_system_flags(client_for, superuser, org_admin, org_member, flag):
    refused = client_for(org_admin).patch(f"/api/v2/users/{org_member.pk}/", {flag: True}, format="json")
    assert refused.status_code == 403

    granted = client_for(superuser).patch(f"/api/v2/users/{org_member.pk}/", {flag: True}, format="json")
    assert granted.status_code == 200
    assert granted.json()[flag] is True
    org_member.refresh_from_db()
    assert getattr(org_member, flag) is True

    revoked = client_for(superuser).patch(f"/api/v2/users/{org_member.pk}/", {flag: False}, format="json")
    assert revoked.status_code == 200
    org_member.refresh_from_db()
    assert getattr(org_member, flag) is False


def test_superuser_creates_a_user_with_a_password_that_is_never_returned(client_for, superuser):
    body = {"username": "alice", "password": "Wonderland-1865", "email": "alice@example.com", "first_name": "Alice"}

    response = client_for(superuser).post("/api/v2/users/", body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert "password" not in data
    assert "Wonderland-1865" not in response.content.decode()
    assert response["Location"] == f"/api/v2/users/{data['id']}/"
    assert data["external_account"] is None
    assert data["last_login"] is None
    alice = User.objects.get(username="alice")
    assert alice.check_password("Wonderland-1865")
    assert alice.external_account is None


def test_passwords_never_appear_in_reads(client_for, superuser, org_member):
    client = client_for(superuser)
    for url in ("/api/v2/users/", f"/api/v2/users/{org_member.pk}/", "/api/v2/me/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "password" not in response.content.decode()
        assert org_member.password not in response.content.decode()


def test_password_is_required_on_create(client_for, superuser):
    response = client_for(superuser).post("/api/v2/users/", {"username": "bob"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


@pytest.mark.parametrize(
    "password",
    ["short", "12345678901", "password", "", "bobbybobby1"],
    ids=["too-short", "numeric", "common", "blank", "like-username"],
)
def test_passwords_are_checked_by_the_password_validators(client_for, superuser, password):
    response = client_for(superuser).post(
        "/api/v2/users/", {"username": "bobbybobby", "password": password}, format="json"
    )

    assert response.status_code == 400
    messages = response.json()["password"]
    assert messages and all(isinstance(message, str) for message in messages)
    assert not User.objects.filter(username="bobbybobby").exists()


def test_a_weak_password_is_refused_on_change_too(client_for, org_member):
    response = client_for(org_member).patch(f"/api/v2/users/{org_member.pk}/", {"password": "abc"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()
    org_member.refresh_from_db()
    assert org_member.check_password(factories.PASSWORD)


def test_a_changed_password_works_over_basic_auth(client_for, plain_user):
    changed = client_for(plain_user, auth="basic").patch(
        f"/api/v2/users/{plain_user.pk}/",
        {"password": "Brand-New-Pass-9", "current_password": factories.PASSWORD},
        format="json",
    )
    assert changed.status_code == 200

    old = client_for(plain_user, auth="basic").get("/api/v2/me/")
    assert old.status_code == 401

    new = client_for(None)
    new.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"plain:Brand-New-Pass-9").decode())
    assert new.get("/api/v2/me/").status_code == 200


def test_external_account_is_read_only(client_for, superuser, org_member):
    response = client_for(superuser).patch(
        f"/api/v2/users/{org_member.pk}/", {"external_account": "sso"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["external_account"] is None
    org_member.refresh_from_db()
    assert org_member.external_account is None


def test_external_account_names_the_provider(client_for, superuser):
    remote = factories.user("remote", external_account="sso")

    response = client_for(superuser).get(f"/api/v2/users/{remote.pk}/")

    assert response.json()["external_account"] == "sso"


def test_a_username_stands_in_for_the_id_everywhere(client_for, superuser, org, org_admin):
    client = client_for(superuser)

    detail = client.get("/api/v2/users/org_admin/")
    assert detail.status_code == 200
    assert detail.json()["id"] == org_admin.pk

    organizations = client.get("/api/v2/users/org_admin/organizations/")
    assert organizations.status_code == 200
    assert [row["name"] for row in organizations.json()["results"]] == ["Default"]

    admin_of = client.get("/api/v2/users/org_admin/admin_of_organizations/")
    assert [row["name"] for row in admin_of.json()["results"]] == ["Default"]

    changed = client.patch("/api/v2/users/org_admin/", {"last_name": "Admin"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["last_name"] == "Admin"

    assert client.get("/api/v2/users/nobody/").status_code == 404
    assert client.get("/api/v2/users/nobody/organizations/").status_code == 404

    deleted = client.delete("/api/v2/users/org_admin/")
    assert deleted.status_code == 204
    assert not User.objects.filter(username="org_admin").exists()


def test_a_username_of_an_invisible_user_is_404(client_for, plain_user, org_member):
    client = client_for(plain_user)
    assert client.get("/api/v2/users/org_member/").status_code == 404
    assert client.get("/api/v2/users/org_member/organizations/").status_code == 404


def test_a_username_made_only_of_digits_is_refused(client_for, superuser):
    # /users/42/ must keep meaning the user with id 42.
    response = client_for(superuser).post(
        "/api/v2/users/", {"username": "42", "password": factories.PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "username" in response.json()


def test_users_see_themselves_and_the_people_they_share_an_organization_with(
    client_for, org_admin, org_member, org_auditor, other_org_admin, plain_user
):
    assert _usernames(client_for(plain_user).get("/api/v2/users/")) == ["plain"]
    assert _usernames(client_for(other_org_admin).get("/api/v2/users/")) == ["other_admin"]
    colleagues = ["org_admin", "org_auditor", "org_member"]
    assert _usernames(client_for(org_member).get("/api/v2/users/")) == colleagues
    assert _usernames(client_for(org_auditor).get("/api/v2/users/")) == colleagues


def test_superusers_and_system_auditors_see_everyone(
    client_for, superuser, system_auditor, org_member, other_org_admin, plain_user
):
    everyone = ["auditor", "org_member", "other_admin", "plain", "root"]
    assert _usernames(client_for(superuser).get("/api/v2/users/")) == everyone
    assert _usernames(client_for(system_auditor).get("/api/v2/users/")) == everyone


def test_me_is_the_requesting_user(client_for, org_member, org_admin):
    response = client_for(org_member).get("/api/v2/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    me = body["results"][0]
    assert me["username"] == "org_member"
    assert me["url"] == f"/api/v2/users/{org_member.pk}/"
    assert me["summary_fields"]["user_capabilities"] == {"edit": True, "delete": False}


def test_me_requires_authentication(client_for):
    response = client_for(None).get("/api/v2/me/")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_me_is_read_only(client_for, org_member):
    response = client_for(org_member).post("/api/v2/me/", {"first_name": "x"}, format="json")
    assert response.status_code == 405


def test_last_login_is_reported(client_for, superuser, plain_user):
    assert client_for(superuser).get(f"/api/v2/users/{plain_user.pk}/").json()["last_login"] is None
    assert Client().login(username="plain", password=factories.PASSWORD)

    last_login = client_for(superuser).get(f"/api/v2/users/{plain_user.pk}/").json()["last_login"]

    plain_user.refresh_from_db()
    assert last_login is not None
    assert last_login.startswith(plain_user.last_login.strftime("%Y-%m-%dT%H:%M:%S"))


def test_deleting_a_user_answers_204_and_records_it(client_for, superuser, plain_user):
    from tokensvc.models import ActivityEntry

    response = client_for(superuser).delete(f"/api/v2/users/{plain_user.pk}/")

    assert response.status_code == 204
    assert not User.objects.filter(pk=plain_user.pk).exists()
    entry = ActivityEntry.objects.get(operation="delete", object_type="user")
    assert entry.changes == {"username": "plain"}


def test_changing_your_password_in_a_browser_session_keeps_the_session(client_for, plain_user):
    client = client_for(plain_user, auth="session")

    response = client.patch(
        f"/api/v2/users/{plain_user.pk}/",
        {"password": "Brand-New-Pass-9", "current_password": factories.PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    assert client.get("/api/v2/me/").status_code == 200


def test_changing_your_password_over_basic_auth_starts_no_session(client_for, plain_user):
    response = client_for(plain_user, auth="basic").patch(
        f"/api/v2/users/{plain_user.pk}/",
        {"password": "Brand-New-Pass-9", "current_password": factories.PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_a_user_may_be_renamed_to_another_case_of_their_own_name(client_for, superuser):
    bob = factories.user("bob")

    response = client_for(superuser).patch(f"/api/v2/users/{bob.pk}/", {"username": "Bob"}, format="json")

    assert response.status_code == 200, response.content
    bob.refresh_from_db()
    assert (bob.username, bob.username_key) == ("Bob", "bob")


def test_a_username_is_stored_in_its_compatibility_form(client_for, superuser):
    response = client_for(superuser).post(
        "/api/v2/users/", {"username": "\ufb01le\u2082", "password": factories.PASSWORD}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["username"] == "file2"


def test_a_username_that_lengthens_past_the_limit_when_normalised_is_400(client_for, superuser):
    # U+FDFA is one character whose compatibility form is 18.
    response = client_for(superuser).post(
        "/api/v2/users/", {"username": "\ufdfa" * 10, "password": factories.PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert "username" in response.json()


def test_bulk_inserted_users_get_their_key(db):
    User.objects.bulk_create([User(username="Dora"), User(username="\uff45d")])

    assert sorted(User.objects.values_list("username_key", flat=True)) == ["dora", "ed"]
