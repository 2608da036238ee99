"""The application services: the secret is handed out once and never kept in clear."""

from django.contrib.auth.hashers import check_password

from applications import services
from applications.models import Application


def test_create_hands_out_the_plaintext_secret_and_stores_its_hash(superuser, org):
    created = services.application_create(
        actor=superuser, organization=org, name="Svc", client_type="confidential", authorization_grant_type="password"
    )
    stored = Application.objects.get(pk=created.application.pk)
    assert created.client_secret and stored.client_secret != created.client_secret
    assert check_password(created.client_secret, stored.client_secret)
    # Neither repr nor str shows it.
    assert created.client_secret not in repr(created)
    assert created.client_secret not in str(created.application)


def test_public_application_gets_no_secret_back(superuser, org):
    created = services.application_create(
        actor=superuser, organization=org, name="Spa", client_type="public", authorization_grant_type="password"
    )
    assert created.client_secret is None


def test_update_keeps_the_stored_hash(superuser, org):
    created = services.application_create(
        actor=superuser, organization=org, name="Svc", client_type="confidential", authorization_grant_type="password"
    )
    hashed = Application.objects.get(pk=created.application.pk).client_secret
    application = services.application_update(
        actor=superuser, application=created.application, data={"description": "changed"}
    )
    application.refresh_from_db()
    assert application.client_secret == hashed
    assert check_password(created.client_secret, application.client_secret)
