"""A multipart part may declare Content-Transfer-Encoding: base64; its decoded bytes must be valid text too."""

import base64

import pytest
from django.test import Client

from tests import factories
from users.models import Organization

BOUNDARY = "XB"


def multipart_base64(name: str, raw: bytes) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(raw).decode() + f"\r\n--{BOUNDARY}--\r\n"
    ).encode()


@pytest.mark.django_db(transaction=True)
def test_base64_part_that_is_not_utf8_is_refused_and_nothing_stored(superuser):
    # The body itself is plain ASCII, so the middleware's check of the body's text passes; the
    # part decodes to b"ab\xffcd", which Django turns into "ab\ufffdcd" and the view stores.
    token = factories.personal_token(superuser).value
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
    before = Organization.objects.count()
    response = client.generic(
        "POST",
        "/api/v2/organizations/",
        data=multipart_base64("name", b"ab\xffcd"),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    stored = list(Organization.objects.values_list("name", flat=True))
    assert response.status_code == 400, (response.status_code, response.content[:200], stored)
    assert Organization.objects.count() == before
    assert not any("\ufffd" in name for name in stored)
