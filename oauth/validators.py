"""The django-oauth-toolkit validator with this service's rules.

What it adds to the toolkit's validator:
- every grant refuses users of an external authentication provider while
  ALLOW_OAUTH2_FOR_EXTERNAL_USERS is off (the rule and its words are tokens/policy.py's);
- minted access tokens carry their `token_hint` and an activity record; minting locks the
  user's row first and re-reads `is_active` (the lock order of tokens/locks.py), so no
  grant mints a token behind a deactivation;
- lifetimes of refresh tokens and authorization codes come from the runtime settings;
- authorization codes are stored as their SHA-256 digest, like token values, and looked up
  by it; a code is consumed in the transaction that saves its tokens, so of several
  exchanges of one code exactly one stores tokens (the others roll back, invalid_grant);
- a refresh token is refused, with a description saying why, when it is unknown, older than
  REFRESH_TOKEN_EXPIRE_SECONDS, no longer bound to an access token, or already used or
  revoked; presenting a used one revokes every token of its family (reuse protection),
  by tombstone like every other revocation (tokens/services.py), unless it was used less
  than REFRESH_TOKEN_REUSE_LEEWAY_SECONDS ago and its successor is still unused: then it
  is a concurrent duplicate of the refresh that used it, refused without touching the
  family that refresh continued;
- revocation through /api/o/revoke_token/ goes through the same service as the API;
- failed passwords (per username and address) and failed client secrets (per client_id and
  address) count against the limits of tokensvc/throttling.py; a locked one is a 429
  `temporarily_unavailable` with Retry-After, answered before the password or secret is
  checked.
"""

import base64
import binascii
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import unquote_plus

from django.conf import settings
from django.db import router, transaction
from django.db.models import F
from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from activity import recorder
from applications.hashers import check_client_secret
from tokens.locks import InactiveUser, lock_active_user
from tokens.models import AccessToken, Grant, IssuedVia, RefreshToken
from tokens.policy import external_user_denial, widens_scope
from tokens.services import TOKEN_AUDITED_FIELDS, token_family_revoke, token_revoke
from tokensvc import throttling, tokenformat
from tokensvc.addresses import client_address

from . import server

# How a token minted by each grant was obtained; a refresh inherits from its predecessor.
GRANT_ISSUANCE = {"password": IssuedVia.PASSWORD, "authorization_code": IssuedVia.AUTHORIZATION_CODE}
# The grants that mint a token for a user (client credentials mint none).
GRANT_OWNERS = frozenset({"password", "authorization_code", "refresh_token"})


USED_MOMENTS_AGO = (
    "The refresh token has already been used, moments ago, by another request of this client; "
    "the tokens issued to that request stay valid."
)


def _code_digest(code) -> str:
    return tokenformat.digest(code if isinstance(code, str) else "")


class ExternalUserDenied(errors.CustomOAuth2Error):
    """403: the user may not hold OAuth2 tokens at all."""

    def __init__(self, message, request=None):
        super().__init__("access_denied", description=message, status_code=403, request=request)


class TooManyFailures(errors.OAuth2Error):
    """429: a locked username, client_id or address (tokensvc/throttling.py); the client should wait."""

    error = "temporarily_unavailable"
    status_code = 429

    def __init__(self, lockout: throttling.Lockout, request=None):
        super().__init__(description=lockout.message, request=request)
        self.retry_after = lockout.retry_after

    @property
    def headers(self):
        return {**super().headers, "Retry-After": str(self.retry_after)}


def presented_client_ids(request) -> list[str]:
    """The client_ids a token or revocation request authenticates with: HTTP Basic's and the body's."""
    presented = []
    scheme, _, credentials = (request.headers.get("HTTP_AUTHORIZATION") or "").partition(" ")
    if scheme == "Basic" and credentials:
        try:
            decoded = base64.b64decode(credentials).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = ""
        if ":" in decoded:
            presented.append(unquote_plus(decoded.split(":", 1)[0]))
    if isinstance(request.client_id, str):
        presented.append(request.client_id)
    return [client_id for client_id in presented if client_id]


class Validator(OAuth2Validator):
    def _check_secret(self, provided_secret, stored_secret):
        # A keyed HMAC for what the toolkit checks with the password hashers; older hashes upgraded.
        return check_client_secret(provided_secret, stored_secret)

    def request_address(self, request) -> str:
        """The client's address (tokensvc.addresses) from the headers the toolkit copied from the request."""
        return client_address(SimpleNamespace(META=request.headers))

    # Clients ----------------------------------------------------------------

    def authenticate_client(self, request, *args, **kwargs):
        address = self.request_address(request)
        counters = throttling.client_counters(address, presented_client_ids(request))
        try:
            throttling.refuse_if_locked(counters)
        except throttling.LockedOut as locked:
            raise TooManyFailures(locked.lockout, request=request) from None
        if super().authenticate_client(request, *args, **kwargs):
            return True
        if len(counters) > 1:  # a client_id was presented: a wrong secret or an unknown client
            throttling.record_failure(counters, address=address)
        return False

    # Users ------------------------------------------------------------------

    def ensure_user_may_hold_tokens(self, user, request):
        message = external_user_denial(user)
        if message:
            raise ExternalUserDenied(message, request=request)

    def validate_user(self, username, password, client, request, *args, **kwargs):
        if not isinstance(username, str) or not isinstance(password, str):
            return False
        address = self.request_address(request)
        counters = throttling.password_counters(address, username)
        try:
            throttling.refuse_if_locked(counters)
        except throttling.LockedOut as locked:
            raise TooManyFailures(locked.lockout, request=request) from None
        if not super().validate_user(username, password, client, request, *args, **kwargs):
            throttling.record_failure(counters, address=address)
            return False
        self.ensure_user_may_hold_tokens(request.user, request)
        return True

    # Authorization codes ----------------------------------------------------------
    # The toolkit stores and finds a grant by its code; here the grant's `code` column holds
    # the digest, so every lookup hands the toolkit the digest of the presented code.

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        expires = timezone.now() + timedelta(seconds=server.authorization_code_lifetime())
        with transaction.atomic(using=router.db_for_write(Grant)):
            # A code buys a token later: it is saved under the owner's lock like a token, so a
            # deactivation either deletes it or committed first and refuses it (tokens/locks.py).
            try:
                lock_active_user(request.user.pk)
            except InactiveUser:
                raise errors.AccessDeniedError(description="The user is inactive.", request=request) from None
            # A copy: oauthlib answers the client with the dict it passed in.
            self._create_authorization_code(request, {**code, "code": _code_digest(code["code"])}, expires=expires)

    def _grant(self, code, request):
        """The grant of a presented code, as read by validate_code for this request."""
        grant = getattr(request, "grant", None)
        if isinstance(grant, Grant) and grant.code == _code_digest(code):
            return grant
        return Grant.objects.filter(code=_code_digest(code), application=request.client).first()

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if not super().validate_code(client_id, _code_digest(code), client, request, *args, **kwargs):
            return False
        # The PKCE and redirect URI checks that follow read this row: a concurrent exchange
        # may delete it meanwhile, and must not turn them into a 500.
        request.grant = Grant.objects.filter(code=_code_digest(code), application=client).first()
        if request.user is None or not request.user.is_active:
            return False
        self.ensure_user_may_hold_tokens(request.user, request)
        return True

    def get_code_challenge(self, code, request):
        grant = self._grant(code, request)
        return (grant.code_challenge or None) if grant else None

    def get_code_challenge_method(self, code, request):
        grant = self._grant(code, request)
        return (grant.code_challenge_method or None) if grant else None

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, *args, **kwargs):
        request = args[0] if args else kwargs.get("request")
        grant = self._grant(code, request) if request is not None else None
        if grant is None:
            grant = Grant.objects.filter(code=_code_digest(code), application=client).first()
        return grant is not None and grant.redirect_uri_allowed(redirect_uri)

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
        return super().get_authorization_code_scopes(client_id, _code_digest(code), redirect_uri, request)

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        return super().get_authorization_code_nonce(client_id, _code_digest(code), redirect_uri, request)

    def _check_and_set_request_resource(self, request):
        # The toolkit reads the grant's resource indicators by `request.code`.
        if request.grant_type != "authorization_code" or not isinstance(request.code, str):
            return super()._check_and_set_request_resource(request)
        code, request.code = request.code, _code_digest(request.code)
        try:
            return super()._check_and_set_request_resource(request)
        finally:
            request.code = code

    def save_bearer_token(self, token, request, *args, **kwargs):
        with transaction.atomic(using=router.db_for_write(AccessToken)):
            super().save_bearer_token(token, request, *args, **kwargs)
            if request.grant_type == "authorization_code":
                self.consume_authorization_code(request)

    def consume_authorization_code(self, request):
        """Delete the code's grant in the transaction that saved its tokens: one exchange only.

        Concurrent exchanges all passed validate_code; the row lock of the DELETE lets one
        of them delete the grant, the others delete nothing and roll their tokens back.
        """
        deleted = Grant.objects.filter(code=_code_digest(request.code), application=request.client).delete()[0]
        if deleted != 1:
            raise errors.InvalidGrantError(description="The authorization code has already been used.", request=request)
        request.authorization_code_consumed = True

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        # oauthlib calls this after the tokens are saved, where the grant is already consumed.
        if getattr(request, "authorization_code_consumed", False):
            return
        super().invalidate_authorization_code(client_id, _code_digest(code), request, *args, **kwargs)

    # Refresh tokens -------------------------------------------------------------

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        rt = (
            RefreshToken.objects.filter(token_checksum=tokenformat.digest(refresh_token))
            .select_related("access_token", "user")
            .order_by(F("revoked").desc(nulls_first=True))
            .first()
        )
        if rt is None:
            return False
        if rt.application_id != getattr(client, "pk", None):
            # Another client's token: as unknown, and no family is touched on its behalf.
            return False
        if rt.revoked is not None:
            used = AccessToken.objects.filter(source_refresh_token=rt).exists()
            if used and self.is_concurrent_duplicate(rt):
                raise errors.InvalidGrantError(description=USED_MOMENTS_AGO, request=request)
            if oauth2_settings.REFRESH_TOKEN_REUSE_PROTECTION and rt.token_family:
                token_family_revoke(token_family=rt.token_family, reason="refresh token reuse")
            if used:
                description = "The refresh token has already been used; every token issued from it has been revoked."
            else:
                description = "The refresh token has been revoked."
            raise errors.InvalidGrantError(description=description, request=request)
        if rt.access_token is None:
            raise errors.InvalidGrantError(
                description="The refresh token is no longer bound to an access token.", request=request
            )
        if rt.created + timedelta(seconds=server.refresh_token_lifetime()) <= timezone.now():
            raise errors.InvalidGrantError(description="The refresh token has expired.", request=request)
        if rt.user is None or not rt.user.is_active:
            raise errors.InvalidGrantError(description="The refresh token's user is inactive.", request=request)
        self.ensure_user_may_hold_tokens(rt.user, request)
        request.user = rt.user
        # Under hashed storage only the presented value is known.
        request.refresh_token = refresh_token
        request.refresh_token_instance = rt
        return True

    def is_concurrent_duplicate(self, rt) -> bool:
        """Is this used refresh token a duplicate of the refresh that used it, rather than a replay?

        It is when it was used less than REFRESH_TOKEN_REUSE_LEEWAY_SECONDS ago and the pair
        that use minted is still the family's newest (its refresh token unused): parallel or
        retried requests of one client. Such a duplicate gets nothing and the family stays;
        presented later, or after the family moved on, it is reuse and revokes the family.
        """
        leeway = timedelta(seconds=settings.REFRESH_TOKEN_REUSE_LEEWAY_SECONDS)
        if not leeway or rt.revoked <= timezone.now() - leeway:
            return False
        return RefreshToken.objects.filter(access_token__source_refresh_token=rt, revoked__isnull=True).exists()

    # Minting --------------------------------------------------------------------

    def lock_active_owner(self, request):
        """Lock the owner's row before anything is minted and re-read `is_active` (tokens/locks.py).

        Validation read the user without a lock; a deactivation committing since has revoked
        their tokens, and this grant must not mint a new one behind it.
        """
        user = getattr(request, "user", None)
        if request.grant_type not in GRANT_OWNERS or user is None or user.pk is None:
            return
        try:
            lock_active_user(user.pk)
        except InactiveUser:
            raise errors.InvalidGrantError(description="The user is inactive.", request=request) from None

    def _save_bearer_token(self, token, request, *args, **kwargs):
        self.lock_active_owner(request)
        rt = getattr(request, "refresh_token_instance", None)
        if token.get("refresh_token") and isinstance(rt, RefreshToken) and rt.access_token_id is not None:
            # Step 2 of the lock order, before the refresh token below: the access token it replaces.
            replaced = AccessToken.objects.select_for_update().filter(pk=rt.access_token_id).first()
            if replaced is not None and widens_scope(replaced.scope, token.get("scope", "")):
                # The scope was read before the lock; an admin may have narrowed the token since.
                # The successor never gets more than the token it replaces has now.
                token["scope"] = replaced.scope
        # Validation read the refresh token without a lock; a concurrent refresh or a revocation
        # may have won since. Re-read it under the lock the toolkit then takes, so a used or
        # revoked refresh token never mints anything.
        if (
            token.get("refresh_token")
            and isinstance(rt, RefreshToken)
            and not RefreshToken.objects.select_for_update().filter(pk=rt.pk, revoked__isnull=True).exists()
        ):
            raise errors.InvalidGrantError(
                description="The refresh token has already been used or revoked.", request=request
            )
        if isinstance(rt, RefreshToken):
            if rt.access_token is None:
                # Without its access token the binding the successor must keep is unknown:
                # refuse rather than mint an unbound (wider) token. A live refresh token keeps
                # its access token (revocation tombstones it, cleanup_tokens keeps it).
                raise errors.InvalidGrantError(
                    description="The refresh token no longer has an access token to renew.", request=request
                )
            # A refreshed token was obtained the way its predecessor was, bound where it was.
            request.inherited_issued_via = rt.access_token.issued_via
            request.inherited_organization_id = rt.access_token.organization_id
        return super()._save_bearer_token(token, request, *args, **kwargs)

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        value = token["access_token"]
        access_token = AccessToken(
            user=request.user,
            scope=token["scope"],
            expires=expires,
            application=request.client,
            source_refresh_token=source_refresh_token,
            resource=getattr(request, "resource", []),
            token_hint=tokenformat.hint(value),
            issued_via=GRANT_ISSUANCE.get(request.grant_type)
            or getattr(request, "inherited_issued_via", IssuedVia.API),
            organization_id=getattr(request, "inherited_organization_id", None),
        )
        self._set_token_value(access_token, value)
        access_token.save()
        recorder.record(
            actor=request.user,
            operation="create",
            obj=access_token,
            changes=recorder.snapshot(access_token, TOKEN_AUDITED_FIELDS + ("application", "user")),
            organization_id=access_token.organization_id or request.client.organization_id,
            subject_user_id=request.user.pk,
        )
        return access_token

    # Revocation -------------------------------------------------------------------

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        """RFC 7009: revoke the client's own token (access or refresh); unknown tokens are ignored."""
        application_pk = getattr(request.client, "pk", None)
        if application_pk is None or not isinstance(token, str):
            return
        checksum = tokenformat.digest(token)
        lookups = [self._revoke_access, self._revoke_refresh]
        if token_type_hint == "refresh_token":
            lookups.reverse()
        for lookup in lookups:
            if lookup(checksum, application_pk):
                return

    def _revoke_access(self, checksum, application_pk) -> bool:
        access = AccessToken.objects.filter(token_checksum=checksum, application_id=application_pk).first()
        if access is None:
            return False
        token_revoke(actor=None, token=access)
        # Refresh tokens left live by an earlier access-only revocation go too.
        for refresh in RefreshToken.objects.filter(access_token=access, revoked__isnull=True):
            refresh.revoke()
        return True

    def _revoke_refresh(self, checksum, application_pk) -> bool:
        found = False
        for refresh in RefreshToken.objects.filter(
            token_checksum=checksum, application_id=application_pk, revoked__isnull=True
        ).select_related("access_token"):
            found = True
            if refresh.access_token is not None:
                token_revoke(actor=None, token=refresh.access_token)
            refresh.revoke()
        return found or RefreshToken.objects.filter(token_checksum=checksum, application_id=application_pk).exists()
