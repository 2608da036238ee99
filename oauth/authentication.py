"""Bearer token (RFC 6750, header only) and HTTP Basic authentication for the API.

The presented value is looked up by its SHA-256 digest, the only form stored. Unknown,
expired or revoked tokens are a 401 whose challenge says `error="invalid_token"`.

A value that was rotated away (revoked, with a successor) may have leaked: presenting it
again is recorded in the activity stream as a `reuse_attempt` on the old token, at most
once per token per REUSE_RECORD_INTERVAL, so that replaying it cannot flood the stream.

Failures count against the limits of tokensvc/throttling.py. HTTP Basic asks for a lock
before the password is hashed: a locked username or address is a 429 whatever the password.
A Bearer token is looked up first and a valid one always works, even from a locked address:
token values are unguessable, and refusing them would let one attacker behind a shared
(NAT) address lock out everyone behind it. Only an invalid token from a locked address is a
429 rather than a 401, and the check costs a cache lookup on failures only.
"""

import weakref
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.db.models import Q
from django.db.models.query import get_related_populators
from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from rest_framework import authentication, exceptions

from activity import recorder
from activity.models import ActivityEntry
from tokensvc import throttling, tokenformat
from tokensvc.addresses import client_address
from tokensvc.api.lockouts import too_many_failures
from tokensvc.types import type_name

REALM = 'Bearer realm="api"'
REUSE_OPERATION = "reuse_attempt"
REUSE_RECORD_INTERVAL = timedelta(minutes=1)


def _token_rows(digest: str):
    # The checksum is unique: at most one row, so no ORDER BY is needed.
    model = get_access_token_model()
    return model.objects.select_related("user", "application").filter(token_checksum=digest).order_by()[:1]


class _CompiledLookup:
    """The token lookup, compiled to SQL once per database connection: only the digest changes.

    Compiling the three-table SELECT (some sixty columns) cost more than running it, on
    every authenticated request. The rows become model instances as QuerySet makes them.
    """

    MARK = "digest-placeholder"

    def __init__(self, connection):
        compiler = _token_rows(self.MARK).query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.digest_at = self.params.index(self.MARK)
        self.compiler = compiler
        self.alias = connection.alias
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        self.start, self.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.attnames = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, self.alias)

    def fetch(self, connection, digest: str):
        params = list(self.params)
        params[self.digest_at] = digest
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchmany(1)
        for row in self.compiler.results_iter([rows]):
            token = self.model.from_db(self.alias, self.attnames, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, token)
            return token
        return None


# Per connection (each thread has its own): a compiled lookup reads that connection's converters.
_compiled_lookups: "weakref.WeakKeyDictionary[object, _CompiledLookup]" = weakref.WeakKeyDictionary()


def find_token(value: str):
    """The access token row for a presented value, with its user and application, or None."""
    connection = connections[router.db_for_read(get_access_token_model())]
    lookup = _compiled_lookups.get(connection)
    if lookup is None:
        lookup = _compiled_lookups[connection] = _CompiledLookup(connection)
    return lookup.fetch(connection, tokenformat.digest(value))


def note_use(token, ip: str | None) -> None:
    """Record when and from where a token was last used, at most once per interval."""
    now = timezone.now()
    interval = timedelta(seconds=getattr(settings, "TOKEN_LAST_USED_INTERVAL_SECONDS", 60))
    if token.last_used is not None and now - token.last_used < interval:
        return
    # A conditional queryset update: workers racing on the same token write once per interval,
    # and there are no signals, no `updated` bump and no activity record.
    stale = Q(last_used__isnull=True) | Q(last_used__lte=now - interval)
    if type(token).objects.filter(stale, pk=token.pk).update(last_used=now, last_used_ip=ip):
        token.last_used, token.last_used_ip = now, ip


def note_reuse(token, ip: str | None) -> None:
    """Record that a rotated-away token was presented, unless that was recorded within the interval."""
    model = type(token)
    if not model.objects.filter(rotated_from=token).exists():
        return  # revoked without a successor: an ordinary dead token
    with transaction.atomic():
        # Replays arriving together queue on the token's row, so the interval check holds.
        model.objects.select_for_update().filter(pk=token.pk).exists()
        recent = ActivityEntry.objects.filter(
            object_type=type_name(token),
            object_id=token.pk,
            operation=REUSE_OPERATION,
            timestamp__gte=timezone.now() - REUSE_RECORD_INTERVAL,
        )
        if recent.exists():
            return
        recorder.record(
            actor=None,
            operation=REUSE_OPERATION,
            obj=token,
            changes={"token_hint": token.token_hint, "remote_addr": ip},
            organization_id=token.application.organization_id if token.application_id else None,
            subject_user_id=token.user_id,
        )


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.encode():
            return None
        if len(header) != 2:
            self.fail(request, "Invalid Authorization header: expected 'Bearer <token>'.")
        try:
            value = header[1].decode("ascii")
        except UnicodeDecodeError:
            self.fail(request, "Invalid token: it contains characters that are not ASCII.")
        if not tokenformat.is_acceptable(value):
            # A typo or a forgery: refused without touching the database.
            self.fail(request, "Invalid token.")
        token = find_token(value)
        if token is None:
            self.fail(request, "Invalid token.")
        if token.is_revoked:
            note_reuse(token, client_address(request))
            self.fail(request, "Invalid token.")
        if token.is_expired():
            self.fail(request, "The token has expired.")
        user = token.user
        if user is None or not user.is_active:
            self.fail(request, "The token's user is inactive or deleted.")
        note_use(token, client_address(request))
        return user, token

    def fail(self, request, message: str):
        counters = throttling.bearer_counters(client_address(request))
        locked = throttling.lockout(counters)
        if locked is not None:
            raise too_many_failures(locked)
        throttling.record_failure(counters, address=client_address(request))
        request._bearer_error = message
        raise exceptions.AuthenticationFailed(message)

    def authenticate_header(self, request):
        message = getattr(request, "_bearer_error", None)
        if message:
            return f'{REALM}, error="invalid_token", error_description="{message}"'
        return REALM


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic, refusing credentials no account can have before they reach a query.

    A user name or password holding a NUL character is a 400 (PostgreSQL cannot compare such
    text); a user name longer than any account's is refused as invalid without a lookup.
    A locked username or address (tokensvc/throttling.py) is a 429 before the password is
    hashed; every refusal counts as a failure.
    """

    def authenticate_credentials(self, userid, password, request=None):
        if "\x00" in userid or "\x00" in password:
            raise exceptions.ParseError("The credentials in the Authorization header contain a NUL character.")
        address = client_address(request) if request is not None else ""
        counters = throttling.password_counters(address, userid)
        try:
            throttling.refuse_if_locked(counters)
        except throttling.LockedOut as locked:
            raise too_many_failures(locked.lockout) from None
        model = get_user_model()
        try:
            if len(userid) > model._meta.get_field(model.USERNAME_FIELD).max_length:
                raise exceptions.AuthenticationFailed("Invalid username/password.")
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            throttling.record_failure(counters, address=address)
            raise
