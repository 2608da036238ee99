"""Free text has a documented maximum, activity records stay small, and form bodies must be valid text."""

from urllib.parse import urlencode

import pytest

from activity import recorder as activity
from activity.models import ActivityEntry
from applications.models import Application
from tests import factories
from tests.support.oauth import FORM, app_with_secret, basic
from tokensvc.limits import ACTIVITY_VALUE_MAX_LENGTH, DESCRIPTION_MAX_LENGTH, REDIRECT_URIS_MAX_LENGTH
from users.models import Organization

APP = {"client_type": "confidential", "authorization_grant_type": "password"}


def _app_body(org, **fields):
    return {"name": "Sized", "organization": org.pk, **APP, **fields}


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v2/organizations/", {"name": "Big", "description": "d" * (DESCRIPTION_MAX_LENGTH + 1)}, "description"),
        ("/api/v2/organizations/", {"name": "n" * 513}, "name"),
        ("/api/v2/applications/", {"description": "d" * (DESCRIPTION_MAX_LENGTH + 1)}, "description"),
        ("/api/v2/applications/", {"redirect_uris": "https://a.example/" * 300}, "redirect_uris"),
        ("/api/v2/applications/", {"name": "n" * 256}, "name"),
        ("/api/v2/tokens/", {"description": "d" * 513}, "description"),
        ("/api/v2/users/", {"username": "u", "password": factories.PASSWORD, "first_name": "f" * 151}, "first_name"),
    ],
)
def test_text_beyond_its_maximum_is_400_naming_the_field(client_for, superuser, org, url, body, field):
    if "applications" in url:
        body = _app_body(org, **body)
    before = (Organization.objects.count(), Application.objects.count())
    response = client_for(superuser).post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert "no more than" in response.json()[field][0]
    assert (Organization.objects.count(), Application.objects.count()) == before


def test_text_at_its_maximum_is_accepted(client_for, superuser, org):
    client = client_for(superuser)
    uris = " ".join(f"https://c.example/{i:04d}" for i in range(REDIRECT_URIS_MAX_LENGTH // 24))
    assert len(uris) <= REDIRECT_URIS_MAX_LENGTH
    body = _app_body(org, description="d" * DESCRIPTION_MAX_LENGTH, redirect_uris=uris)
    assert client.post("/api/v2/applications/", body, format="json").status_code == 201
    body = {"name": "Max", "description": "d" * DESCRIPTION_MAX_LENGTH}
    assert client.post("/api/v2/organizations/", body, format="json").status_code == 201


def test_every_writable_text_field_has_a_maximum():
    from tests.support.routes import ROUTES
    from tokensvc.api.viewsets import AssociationView

    checked = set()
    for _route, view_class in ROUTES:
        for name in ("serializer_class",):
            serializer_class = getattr(view_class, name, None)
            if serializer_class is None or serializer_class in checked or issubclass(view_class, AssociationView):
                continue
            checked.add(serializer_class)
            for field_name, field in serializer_class().fields.items():
                if field.read_only or not hasattr(field, "max_length"):
                    continue
                assert field.max_length is not None, f"{serializer_class.__name__}.{field_name} has no max_length"
    assert len(checked) >= 4


def test_activity_records_keep_long_values_short(client_for, superuser, org):
    client = client_for(superuser)
    long = "x" * DESCRIPTION_MAX_LENGTH
    app = client.post("/api/v2/applications/", _app_body(org, description=long), format="json").json()
    changed = "y" * DESCRIPTION_MAX_LENGTH
    assert (
        client.patch(f"/api/v2/applications/{app['id']}/", {"description": changed}, format="json").status_code == 200
    )

    record = ActivityEntry.objects.filter(object_type="o_auth2_application", operation="update").latest("pk")
    old, new = record.changes["description"]
    assert old == "x" * ACTIVITY_VALUE_MAX_LENGTH + f"… ({DESCRIPTION_MAX_LENGTH} characters)"
    assert new.startswith("y" * ACTIVITY_VALUE_MAX_LENGTH) and new.endswith(f"({DESCRIPTION_MAX_LENGTH} characters)")
    page = client.get(f"/api/v2/applications/{app['id']}/activity_stream/")
    assert page.status_code == 200
    assert len(page.content) < 20_000


def test_an_entry_shortens_any_long_value(superuser, org):
    huge = "z" * 2_400_000
    entry = activity.entry(
        actor=superuser,
        operation="update",
        object_type="organization",
        object_id=org.pk,
        object_repr=str(org),
        changes={"description": [huge, [huge, {"k": huge}]]},
    )
    assert len(str(entry.changes)) < 2_000


# Bodies that are not valid text ---------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"name=%FF%FE&description=x", b"name=\xff\xfe", b"name=%ED%A0%80"],
    ids=["percent-encoded", "raw", "encoded-surrogate"],
)
def test_a_form_body_that_is_not_utf8_is_400(client_for, superuser, body):
    response = client_for(superuser).generic("POST", "/api/v2/organizations/", body, content_type=FORM)
    assert response.status_code == 400, response.content
    assert "not valid utf-8" in response.json()["detail"]
    assert not Organization.objects.exclude(pk__in=[]).filter(name__contains="\ufffd").exists()


def test_a_multipart_body_that_is_not_utf8_is_400(client_for, superuser):
    boundary = "BoUnDaRy"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n'.encode()
        + b"caf\xe9\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    response = client_for(superuser).generic(
        "POST", "/api/v2/organizations/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400, response.content
    assert not Organization.objects.filter(name__startswith="caf").exists()


def test_a_form_body_in_another_declared_charset_is_read_in_it(client_for, superuser):
    body = urlencode({"name": "café"}, encoding="latin-1").encode()
    response = client_for(superuser).generic(
        "POST", "/api/v2/organizations/", body, content_type=f"{FORM}; charset=latin-1"
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "café"


def test_an_oauth_form_that_is_not_utf8_is_400(org, org_member):
    app, secret = app_with_secret(org)
    body = f"grant_type=password&password={factories.PASSWORD}&username=%FF".encode()
    from django.test import Client

    response = Client().post("/api/o/token/", body, content_type=FORM, **basic(app.client_id, secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
