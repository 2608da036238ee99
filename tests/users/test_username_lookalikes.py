"""Usernames that are the same name under Unicode compatibility normalisation (NFKC) or case must not coexist.

Django normalises usernames with NFKC in its own forms (AbstractBaseUser.clean); the API's
serializer skips that, so "ａdmin" (fullwidth a) or "ﬁx" (the ligature) becomes a second
account that reads as "admin" or "fix" in every list, activity record and audit log.
"""

import pytest
from django.test import Client

from tests import factories
from users.models import User

LOOKALIKES = [
    ("admin", "\uff41dmin"),  # FULLWIDTH LATIN SMALL LETTER A
    ("fix", "\ufb01x"),  # LATIN SMALL LIGATURE FI
    ("root2", "root\u2082"),  # SUBSCRIPT TWO
]


@pytest.fixture
def root_client(db):
    root = factories.user("superroot", is_superuser=True)
    value = factories.personal_token(root).value
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {value}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("existing", "lookalike"), LOOKALIKES)
def test_creating_an_nfkc_lookalike_of_a_username_is_400_naming_username(root_client, existing, lookalike):
    factories.user(existing)
    response = root_client.post(
        "/api/v2/users/", {"username": lookalike, "password": factories.PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 400, (response.status_code, response.content[:200])
    assert "username" in response.json()
    assert not User.objects.filter(username=lookalike).exists()


@pytest.mark.django_db(transaction=True)
def test_renaming_to_an_nfkc_lookalike_is_400_naming_username(root_client):
    factories.user("admin")
    victim = factories.user("bob")
    response = root_client.patch(
        f"/api/v2/users/{victim.pk}/", {"username": "\uff41dmin"}, content_type="application/json"
    )
    assert response.status_code == 400, (response.status_code, response.content[:200])
    assert "username" in response.json()
    victim.refresh_from_db()
    assert victim.username == "bob"


@pytest.mark.django_db(transaction=True)
def test_creating_a_username_differing_only_by_case_is_400_naming_username(root_client):
    factories.user("admin")
    response = root_client.post(
        "/api/v2/users/", {"username": "Admin", "password": factories.PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 400, (response.status_code, response.content[:200])
    assert "username" in response.json()
