"""Declared charsets and transfer encodings, and the errors Django raises itself: JSON refusals on every route."""

import base64
import quopri

import pytest
from django.test import Client

from tests import factories
from users.models import Organization

pytestmark = pytest.mark.django_db(transaction=True)
BOUNDARY = "XB"


def bearer(user) -> Client:
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {factories.personal_token(user).value}")


def multipart(name: str, encoded: bytes, transfer_encoding: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n'
        f"Content-Transfer-Encoding: {transfer_encoding}\r\n\r\n".encode()
        + encoded
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


@pytest.mark.parametrize("charset", ["utf-8", "UTF8", "us-ascii", "iso-8859-1", "latin1"])
def test_plain_text_charsets_are_accepted_on_a_get(superuser, charset):
    response = bearer(superuser).get("/api/v2/users/?search=root", CONTENT_TYPE=f"text/plain; charset={charset}")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("charset", ["utf-16", "rot13", "zlib", "no-such-codec", "utf-8-sig", "idna"])
def test_other_charsets_are_refused_on_every_method(superuser, charset):
    client = bearer(superuser)
    for method in ("GET", "DELETE", "PATCH"):
        # Set as a header: the test client drops the content type of an empty body.
        response = client.generic(method, "/api/v2/organizations/", CONTENT_TYPE=f"application/json; charset={charset}")
        assert response.status_code == 400, (method, response.content)
        assert "charset" in response.json()["detail"]


def test_an_oauth_route_refuses_a_charset_as_an_oauth_error(db):
    response = Client().get("/.well-known/oauth-authorization-server", CONTENT_TYPE="text/plain; charset=utf-7")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("transfer_encoding", "encoded"),
    [
        ("base64", base64.b64encode(b"a\x00b")),
        ("BASE64", base64.b64encode("café".encode())),
        ("quoted-printable", quopri.encodestring("café".encode())),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_multipart_part_with_a_transfer_encoding_is_refused(superuser, org, method, transfer_encoding, encoded):
    url = "/api/v2/organizations/" if method == "POST" else f"/api/v2/organizations/{org.pk}/"
    response = bearer(superuser).generic(
        method,
        url,
        multipart("name", encoded, transfer_encoding),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 400, response.content
    assert "Content-Transfer-Encoding" in response.json()["detail"]
    assert list(Organization.objects.values_list("name", flat=True)) == [org.name]


@pytest.mark.parametrize("transfer_encoding", ["7bit", "8bit", "binary"])
def test_a_multipart_part_that_declares_no_encoding_is_read(superuser, transfer_encoding):
    response = bearer(superuser).generic(
        "POST",
        "/api/v2/organizations/",
        multipart("name", "Café".encode(), transfer_encoding),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Café"


@pytest.mark.parametrize("path", ["/api/v2/no-such-thing/", "/api/nothing/", "/elsewhere"])
def test_an_unknown_path_is_a_json_404(superuser, path):
    response = bearer(superuser).get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_oauth_path_is_an_oauth_error_object(db):
    response = Client().get("/api/o/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["error"] == "invalid_request"


def test_a_crash_is_a_json_500_without_details(superuser, monkeypatch):
    from tokensvc import views

    def crash(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.Ping, "get", crash)
    response = bearer(superuser).get("/api/v2/ping/")
    assert response.status_code == 500
    assert response.json() == {"detail": "A server error occurred."}


def test_a_failed_csrf_check_outside_drf_is_json(org, org_member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org_member)
    response = browser.post("/api/o/authorize/", {"allow": "Authorize"})
    assert response.status_code == 403
    assert response.json()["error"] == "access_denied"
