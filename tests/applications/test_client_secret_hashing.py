"""Client secrets take a fast keyed hash, older hashes are upgraded on use; passwords keep a slow one."""

import base64

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.hashers import ALGORITHM, check_client_secret
from applications.models import Application
from tests import factories
from tests.support.oauth import app_with_secret, password_grant
from tokensvc import settings as project_settings


def stored_secret(app) -> str:
    return Application.objects.values_list("client_secret", flat=True).get(pk=app.pk)


def test_a_new_client_secret_is_stored_with_the_keyed_hash(org):
    app, secret = app_with_secret(org)
    stored = stored_secret(app)
    assert identify_hasher(stored).algorithm == ALGORITHM
    assert secret not in stored
    assert check_client_secret(secret, stored)


def test_the_key_makes_the_hash(org, settings):
    app, secret = app_with_secret(org)
    stored = stored_secret(app)
    settings.SECRET_KEY = "another-secret-key"
    assert not check_client_secret(secret, stored)
    settings.SECRET_KEY_FALLBACKS = [project_settings.SECRET_KEY]
    assert check_client_secret(secret, stored)


def test_a_client_authenticates_with_its_secret(org, org_member):
    app, secret = app_with_secret(org)
    assert password_grant(app, secret, org_member).status_code == 200


def test_a_wrong_secret_is_refused_and_nothing_is_rewritten(org, org_member):
    app, secret = app_with_secret(org)
    app.client_secret = make_password(secret, hasher="md5")
    Application.objects.filter(pk=app.pk).update(client_secret=app.client_secret)

    response = password_grant(app, secret + "x", org_member)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert stored_secret(app) == app.client_secret


def test_a_secret_hashed_by_a_password_hasher_is_upgraded_on_its_next_use(org, org_member):
    app, secret = app_with_secret(org)
    old = make_password(secret, hasher="md5")
    Application.objects.filter(pk=app.pk).update(client_secret=old)

    assert password_grant(app, secret, org_member).status_code == 200

    upgraded = stored_secret(app)
    assert identify_hasher(upgraded).algorithm == ALGORITHM
    assert check_client_secret(secret, upgraded)
    # And the upgraded hash serves the next request, with no further write.
    with CaptureQueriesContext(connection) as queries:
        assert password_grant(app, secret, org_member).status_code == 200
    assert stored_secret(app) == upgraded
    assert not [q for q in queries if "UPDATE" in q["sql"] and "client_secret" in q["sql"]]


def test_a_plain_text_secret_is_compared_as_it_is(org):
    app = factories.application(org, "Plain", client_secret="plain-secret-value", hash_client_secret=False)
    assert stored_secret(app) == "plain-secret-value"
    assert check_client_secret("plain-secret-value", stored_secret(app))
    assert not check_client_secret("plain-secret-valuX", stored_secret(app))


def test_user_passwords_use_argon2id_first_and_never_the_client_secret_hash():
    hashers = project_settings.PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers  # older hashes still verify
    assert hashers[-1] == "applications.hashers.ClientSecretHasher"


@pytest.mark.django_db
def test_a_pbkdf2_password_is_rehashed_with_argon2id_at_sign_in(settings, client):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = factories.user("legacy")
    user.password = make_password(factories.PASSWORD, salt="legacysalt", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    raw = base64.b64encode(f"legacy:{factories.PASSWORD}".encode()).decode()

    assert client.get("/api/v2/me/", HTTP_AUTHORIZATION=f"Basic {raw}").status_code == 200

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert client.get("/api/v2/me/", HTTP_AUTHORIZATION=f"Basic {raw}").status_code == 200
