"""Helpers for talking OAuth2 to /api/o/ the way a client does: form bodies and HTTP Basic."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

from django.test import Client

from tests import factories

FORM = "application/x-www-form-urlencoded"


def app_with_secret(org, name="Client", **fields):
    """An application and its raw client secret (stored hashed, so only known here)."""
    secret = secrets.token_urlsafe(32)
    app = factories.application(org, name, client_secret=secret, **fields)
    return app, secret


def basic(client_id, secret) -> dict:
    raw = f"{client_id}:{secret}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}


def post_form(path, data, headers=None, client=None):
    client = client or Client()
    return client.post(path, data=urlencode(data), content_type=FORM, **(headers or {}))


def password_grant(app, secret, user, scope=None, password=factories.PASSWORD):
    data = {"grant_type": "password", "username": user.username, "password": password}
    if scope is not None:
        data["scope"] = scope
    return post_form("/api/o/token/", data, basic(app.client_id, secret))


def refresh_grant(app, secret, refresh_token, scope=None):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if scope is not None:
        data["scope"] = scope
    return post_form("/api/o/token/", data, basic(app.client_id, secret))


def bearer(value) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(url) -> dict:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}
