"""External login through a trusted single-sign-on proxy header.

Off unless SSO_REMOTE_USER_ENABLED. The proxy in front of the service authenticates the
person and sets SSO_REMOTE_USER_HEADER to their username. Accounts created this way carry
`external_account = SSO_PROVIDER_NAME` and are kept apart from local accounts: the header
never logs anyone into a local account of the same name, nor into an account whose name is
the same only after case folding or Unicode normalisation ("Eve" is not "eve"). The header is honoured only from the
addresses in SSO_TRUSTED_PROXIES (or from anyone with SSO_TRUST_ALL_PEERS, for a service that
only the proxy can reach).
"""

import logging

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import RemoteUserMiddleware
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from tokensvc.api.viewsets import is_id

from .models import username_key

logger = logging.getLogger(__name__)


def acceptable_username(user_model, name: str) -> bool:
    """The same rules as a username typed into the API: valid characters, length, not only digits."""
    field = user_model._meta.get_field(user_model.USERNAME_FIELD)
    try:
        field.clean(name, None)
    except ValidationError:
        return False
    if user_model.normalize_username(name) != name:
        # A name stored by the API is in its compatibility form (NFKC); mapping "ｅve" onto
        # "eve" would merge two identities of the provider, so such a header is refused.
        return False
    # A name of digits could not be told apart from an id in URLs.
    return not is_id(name)


class ExternalHeaderBackend(RemoteUserBackend):
    create_unknown_user = True

    def authenticate(self, request, remote_user):
        if not settings.SSO_REMOTE_USER_ENABLED or not remote_user:
            return None
        UserModel = auth.get_user_model()
        if not acceptable_username(UserModel, remote_user):
            logger.warning("sso login refused: the header does not hold a valid username")
            return None
        existing = UserModel._default_manager.filter(username_key=username_key(remote_user)).first()
        if existing is not None and existing.username != remote_user:
            logger.warning(
                "sso login refused: username %r is taken by %r, which differs only in case or Unicode form",
                remote_user,
                existing.username,
            )
            return None
        if existing is not None and existing.external_account != settings.SSO_PROVIDER_NAME:
            logger.warning("sso login refused: username %r belongs to an account of another origin", remote_user)
            return None
        try:
            return super().authenticate(request, remote_user)
        except IntegrityError:
            # A concurrent first login (or an API create) took the name, or one equal to it, first.
            logger.warning("sso login refused: username %r was taken while its account was being created", remote_user)
            return None

    def get_user(self, user_id):
        # A session opened through the header lasts only while header login is on: turning it
        # off ends every login it made, as the proxy no longer vouches for anyone.
        if not settings.SSO_REMOTE_USER_ENABLED:
            return None
        return super().get_user(user_id)

    def configure_user(self, request, user, created=True):
        if created:
            user.external_account = settings.SSO_PROVIDER_NAME
            user.set_unusable_password()
            user.save(update_fields=["external_account", "password"])
        return user


class ExternalHeaderMiddleware(RemoteUserMiddleware):
    """Django's remote-user middleware with a configurable header, inert unless enabled."""

    force_logout_if_no_header = True

    @property
    def header(self) -> str:
        # Read per request, so the setting can change without a restart of the middleware chain.
        return "HTTP_" + settings.SSO_REMOTE_USER_HEADER.upper().replace("-", "_")

    def __call__(self, request):
        if not settings.SSO_REMOTE_USER_ENABLED:
            return self.get_response(request)
        trusted = settings.SSO_TRUSTED_PROXIES
        if not settings.SSO_TRUST_ALL_PEERS and request.META.get("REMOTE_ADDR") not in trusted:
            # A header from anywhere but the proxy is a forgery: ignore it.
            request.META.pop(self.header, None)
        return super().__call__(request)
