"""Talking OAuth2 to /api/o/ the way a client does: form bodies, HTTP Basic, grants, PKCE and the consent form."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

from django.test import Client

from tests import factories

FORM = "application/x-www-form-urlencoded"
# The redirect URI of the authorization-code applications the tests register.
CALLBACK = "https://client.example/cb"


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


def signed_in(user):
    """A browser client with a session of `user`."""
    client = Client()
    client.force_login(user)
    return client


def give_consent(client, app, challenge, scope="read write", allow=True, method="S256"):
    """Submit the consent form of /api/o/authorize/ from the browser `client` (redirected to CALLBACK)."""
    data = {
        "client_id": app.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": method,
        "scope": scope,
    }
    if allow:
        data["allow"] = "Authorize"
    # A browser submits the consent form url-encoded.
    return post_form("/api/o/authorize/", data, client=client)


def exchange_code(app, code, verifier, headers=None, client_id=True):
    """Trade an authorization code and its PKCE verifier for tokens at /api/o/token/."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier}
    if client_id:
        data["client_id"] = app.client_id
    return post_form("/api/o/token/", data, headers)
