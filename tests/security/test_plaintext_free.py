"""No token value, refresh value, authorization code, client secret or password is stored anywhere.

Tokens are made through every path that issues them; every value seen in a response or a
command's output is collected; then every table is dumped, through the ORM and with raw
`SELECT *`, and searched for each value and for its last 30 characters.
"""

import hashlib
import io

import pytest
from django.apps import apps
from django.contrib.auth.hashers import check_password, identify_hasher
from django.core.management import call_command
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from applications.models import Application
from tests import factories
from tests.support.oauth import app_with_secret, basic, bearer, pkce_pair, post_form, query_of
from tokens.models import AccessToken, Grant, RefreshToken

CALLBACK = "https://client.example/cb"


class Seen:
    """Every secret value handed out during the scenario, by kind."""

    def __init__(self):
        self.access: list[str] = []
        self.refresh: list[str] = []
        self.client_secrets: list[str] = []
        self.codes: list[str] = []

    def token_response(self, response, status=201):
        """A /api/v2/ token create response: its `token` and, if any, its `refresh_token`."""
        assert response.status_code == status, response.content
        body = response.json()
        self.access.append(body["token"])
        if body.get("refresh_token"):
            self.refresh.append(body["refresh_token"])
        return body

    def oauth_response(self, response):
        """A /api/o/token/ response."""
        assert response.status_code == 200, response.content
        body = response.json()
        self.access.append(body["access_token"])
        if body.get("refresh_token"):
            self.refresh.append(body["refresh_token"])
        return body

    def all(self) -> list[str]:
        return [*self.access, *self.refresh, *self.codes, *self.client_secrets, factories.PASSWORD]


def _cell(value) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def dump_database() -> str:
    """Every row of every table, once through each model and once with raw SQL."""
    parts = []
    for model in apps.get_models(include_auto_created=True):
        for row in model._base_manager.all().values():
            parts.extend(_cell(value) for value in row.values())
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # names from introspection
            for row in cursor.fetchall():
                parts.extend(_cell(value) for value in row)
    return "\n".join(parts)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@pytest.fixture
def seen(db, org, superuser, org_member, client_for):
    seen = Seen()
    admin = client_for(superuser)
    member = client_for(org_member)
    seen.access += [admin.token_value, member.token_value]

    # An application created through the API hands out its client secret once.
    created = admin.post(
        "/api/v2/applications/",
        {
            "name": "Dumped",
            "client_type": "confidential",
            "redirect_uris": "",
            "authorization_grant_type": "password",
            "organization": org.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    seen.client_secrets.append(created.json()["client_secret"])
    api_app = Application.objects.get(pk=created.json()["id"])
    password_app, password_secret = app_with_secret(org, "Password client")
    seen.client_secrets.append(password_secret)

    # /api/v2/ token endpoints.
    seen.token_response(member.post("/api/v2/tokens/", {"description": "pat"}, format="json"))
    seen.token_response(
        member.post("/api/v2/tokens/", {"description": "app", "application": api_app.pk}, format="json")
    )
    seen.token_response(
        member.post(f"/api/v2/users/{org_member.pk}/personal_tokens/", {"description": "nested pat"}, format="json")
    )
    seen.token_response(
        member.post(
            f"/api/v2/users/{org_member.pk}/authorized_tokens/",
            {"description": "nested app", "application": api_app.pk},
            format="json",
        )
    )
    rotatable = seen.token_response(
        member.post(f"/api/v2/applications/{api_app.pk}/tokens/", {"description": "to rotate"}, format="json")
    )
    seen.token_response(member.post(f"/api/v2/tokens/{rotatable['id']}/rotate/", {}, format="json"))

    # /api/o/token/: password grant, then a refresh.
    credentials = basic(password_app.client_id, password_secret)
    granted = seen.oauth_response(
        post_form(
            "/api/o/token/",
            {"grant_type": "password", "username": org_member.username, "password": factories.PASSWORD},
            credentials,
        )
    )
    seen.oauth_response(
        post_form(
            "/api/o/token/", {"grant_type": "refresh_token", "refresh_token": granted["refresh_token"]}, credentials
        )
    )

    # /api/o/: authorization code with PKCE, for a public client.
    public_app, public_secret = app_with_secret(
        org,
        "Browser client",
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris=CALLBACK,
    )
    seen.client_secrets.append(public_secret)
    browser = Client()
    browser.force_login(org_member)

    def authorize(challenge):
        consent = post_form(
            "/api/o/authorize/",
            {
                "client_id": public_app.client_id,
                "redirect_uri": CALLBACK,
                "response_type": "code",
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "scope": "read write",
                "allow": "Authorize",
            },
            client=browser,
        )
        code = query_of(consent["Location"])["code"]
        seen.codes.append(code)
        return code

    verifier, challenge = pkce_pair()
    code = authorize(challenge)
    seen.oauth_response(
        post_form(
            "/api/o/token/",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": CALLBACK,
                "code_verifier": verifier,
                "client_id": public_app.client_id,
            },
        )
    )

    # A code not exchanged (yet): its grant is the only place it could be kept.
    pending_verifier, pending_challenge = pkce_pair()
    seen.pending_code = (authorize(pending_challenge), pending_verifier, public_app)

    # The command that prints a new personal access token.
    out = io.StringIO()
    call_command("create_oauth2_token", "--user", org_member.username, "--description", "cli", stdout=out)
    seen.access.append(out.getvalue().strip())

    # Every value is real: each one authenticates, except those replaced by rotation or refresh.
    replaced = {rotatable["token"], granted["access_token"]}
    for value in seen.access:
        if value not in replaced:
            assert APIClient().get("/api/v2/me/", **bearer(value)).status_code == 200, value

    # Bulk revocation writes tombstones and activity records; they must stay value-free too.
    revoked = admin.post(f"/api/v2/users/{org_member.pk}/tokens/revoke/", {}, format="json")
    assert revoked.status_code == 200 and revoked.json()["revoked"] >= 8
    return seen


def test_the_scenario_covers_every_issuing_path(seen):
    assert len(seen.access) == 12
    assert len(seen.refresh) == 7
    assert len(seen.client_secrets) == 3
    assert len(seen.codes) == 2
    assert len(set(seen.all())) == len(seen.all())


def test_no_secret_value_is_stored_anywhere(seen):
    dump = dump_database()

    for value in seen.all():
        assert value not in dump, f"a value ending {value[-4:]} is stored in plaintext"
        assert value[-30:] not in dump, f"the tail of a value ending {value[-4:]} is stored"


def test_tokens_are_stored_as_digests_only(seen):
    dump = dump_database()

    # The dump is not vacuous: the tables holding the tokens are in it, as digests.
    for value in seen.access + seen.refresh:
        assert _digest(value) in dump
    assert not AccessToken.objects.exclude(token="").exists()
    assert not RefreshToken.objects.exclude(token="").exists()


def test_authorization_codes_are_stored_as_digests_only(seen):
    code, verifier, app = seen.pending_code
    dump = dump_database()

    # The pending code's grant exists, under the digest of the code; and the code still works.
    assert list(Grant.objects.values_list("code", flat=True)) == [_digest(code)]
    assert code not in dump
    exchanged = post_form(
        "/api/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
            "client_id": app.client_id,
        },
    )
    assert exchanged.status_code == 200, exchanged.content
    assert not Grant.objects.exists()


def test_client_secrets_are_stored_only_as_hashes(seen):
    stored = list(Application.objects.values_list("client_secret", flat=True))

    assert len(stored) == 3
    for hashed in stored:
        assert identify_hasher(hashed)
    for secret in seen.client_secrets:
        assert sum(check_password(secret, hashed) for hashed in stored) == 1
