"""Owners hear of every new personal access token, whichever path made it, once it is committed; never its value."""

import pytest
from django.core import mail
from django.db import transaction

from tests import factories
from tokens import services


@pytest.fixture
def owner(org):
    return factories.user("carol", member_of=[org], email="carol@example.com")


def test_a_pat_from_the_service_is_announced_after_commit(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.token_issue(actor=owner, user=owner, description="backup job")
        assert mail.outbox == []  # not before the token is committed
    assert [message.to for message in mail.outbox] == [["carol@example.com"]]
    body = mail.outbox[0].body
    assert "backup job" in body and str(issued.token.authorization_id) in body
    assert issued.value not in body and issued.value not in mail.outbox[0].subject


def test_a_rotation_announces_the_new_pat(owner, django_capture_on_commit_callbacks):
    old = factories.personal_token(owner, description="rotated")
    with django_capture_on_commit_callbacks(execute=True):
        new = services.token_rotate(actor=owner, token=old.token)
    assert len(mail.outbox) == 1 and str(new.token.authorization_id) in mail.outbox[0].body


def test_a_pat_made_through_api_v2_is_announced(owner, client_for, django_capture_on_commit_callbacks):
    client = client_for(owner, auth="session")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v2/users/{owner.pk}/personal_tokens/", {"description": "v2"}, format="json")
    assert response.status_code == 201, response.content
    assert len(mail.outbox) == 1 and "v2" in mail.outbox[0].body


def test_application_tokens_rolled_back_pats_and_owners_without_address_are_not_announced(
    owner, org, django_capture_on_commit_callbacks
):
    app = factories.application(org)
    silent = factories.user("dave", member_of=[org])
    with django_capture_on_commit_callbacks(execute=True):
        factories.application_token(owner, app)
        factories.personal_token(silent)
        with pytest.raises(RuntimeError), transaction.atomic():
            services.token_issue(actor=owner, user=owner, description="never")
            raise RuntimeError("rolled back")
    assert mail.outbox == []


def test_a_failed_delivery_does_not_fail_the_token(owner, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.token_issue(actor=owner, user=owner, description="still made")
    assert issued.token.pk is not None
