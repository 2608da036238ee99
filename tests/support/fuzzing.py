"""Schema-driven fuzzing of a live server: seeded objects, guarded identities, checks, and the findings.

`FuzzWorld` seeds the objects the generated requests should reach (users, organizations,
applications, tokens with known ids), sends each case with the persona's credentials, and
keeps the run going: a destructive request aimed at the fuzzing identities themselves (deleting
or deactivating the requester, revoking its token, renaming the organization the dialect runs
under) is pointed at a fresh object made for that case instead, and whatever a request still
broke (a bulk revocation, a changed setting, a lost membership) is restored before the next one.
`SecretLedger` holds every secret the run has seen and fails any response but the creating one
that shows it again.
"""

import json
import re
import secrets
import time
import zlib
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.models import ConfigValue
from tests import factories
from tokens.models import AccessToken
from tokensvc import tokenformat
from users.models import Membership, Organization, User
from users.roles import Role

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MASK = "************"
SCANNED = re.compile(tokenformat.SCANNER_PATTERN)
DIALECT = "/{organization}/_apis"
OAUTH = ("/api/o/", "/.well-known/")
WRITES = ("PUT", "PATCH", "DELETE", "POST")


def secrets_in(response) -> set[str]:
    """Token values (checksum-valid) and client secrets in a response's body and headers."""
    text = response.content.decode("utf-8", "replace")
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    found = {value for value in SCANNED.findall(text + "\n" + headers) if tokenformat.kind(value)}
    try:
        body = json.loads(text)
    except ValueError:
        return found

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "client_secret" and isinstance(value, str) and value and value != MASK:
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body)
    return found


@dataclass
class SecretLedger:
    """Every secret seen: where it was created, and any later response that showed it again."""

    origin: dict[str, str] = field(default_factory=dict)
    leaks: list[str] = field(default_factory=list)

    def known(self, value: str, origin: str) -> None:
        self.origin.setdefault(value, origin)

    def observe(self, label: str, response) -> list[str]:
        leaked = []
        for value in secrets_in(response):
            if value in self.origin:
                leaked.append(f"{label}: {response.status_code} shows a secret created by {self.origin[value]}")
            else:
                self.origin[value] = label
        self.leaks.extend(leaked)
        return leaked


@dataclass
class Finding:
    operation: str
    kind: str
    status: int | None
    detail: str


@dataclass
class Stats:
    cases: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, set] = field(default_factory=dict)
    swapped: int = 0
    seconds: float = 0.0
    healed: int = 0

    def note(self, label: str, status: int) -> None:
        self.cases[label] = self.cases.get(label, 0) + 1
        self.statuses.setdefault(label, set()).add(status)


def _pick(value, choices):
    """A known object for a generated value, or the value itself: deterministic, a few in four hit."""
    index = zlib.crc32(str(value).encode()) % (len(choices) + 1)
    return choices[index] if index < len(choices) else value


class FuzzWorld:
    """The objects, credentials and guards of one fuzzing run as `persona` against `base_url`."""

    def __init__(self, base_url: str, persona: str):
        self.base_url = base_url
        self.persona = persona
        self.session = requests.Session()
        self.ledger = SecretLedger()
        self.stats = Stats()
        self.findings: list[Finding] = []
        self._seed()

    # Seeding -------------------------------------------------------------------------------

    def _seed(self) -> None:
        self.org = factories.organization("Fuzzing", "the organization the dialect runs under")
        self.other_org = factories.organization("Elsewhere")
        self.root = factories.user("fuzz-root", is_superuser=True, email="root@example.com")
        self.member = factories.user("fuzz-member", member_of=[self.org], email="member@example.com")
        self.admin = factories.user("fuzz-admin", admin_of=[self.org])
        self.outsider = factories.user("fuzz-outsider", member_of=[self.other_org])
        self.user = self.root if self.persona == "superuser" else self.member
        self.client_secret = secrets.token_urlsafe(32)
        self.password_app = factories.application(self.org, "Fuzz password app", client_secret=self.client_secret)
        self.ledger.known(self.client_secret, "the seed")
        self.code_app = factories.application(
            self.org,
            "Fuzz code app",
            client_type="public",
            authorization_grant_type="authorization-code",
            redirect_uris="https://client.example/cb",
        )
        self.other_app = factories.application(self.other_org, "Elsewhere app")
        for owner in (self.root, self.member, self.admin, self.outsider):
            self.ledger.known(factories.personal_token(owner, description="seeded").value, "the seed")
            issued = factories.application_token(owner, self.password_app, description="seeded")
            self.ledger.known(issued.value, "the seed")
            if issued.refresh_value is not None:
                self.ledger.known(issued.refresh_value, "the seed")
        factories.personal_token(self.member, description="bound", organization=self.org)
        self._issue_credentials()
        self.protected_users = {self.root.pk, self.member.pk}
        self.protected_orgs = {self.org.pk}
        self.protected_apps = {self.password_app.pk, self.code_app.pk}

    def _issue_credentials(self) -> None:
        pat = factories.personal_token(self.user, description="fuzzing credential")
        app_token = factories.application_token(
            self.user,
            self.code_app,
            scope="read write",
            description="fuzzing dialect credential",
            issued_via="authorization_code",
        )
        self.pat, self.app_token = pat.token, app_token.token
        self.ledger.known(pat.value, "the fuzzing credential")
        self.ledger.known(app_token.value, "the fuzzing credential")
        if app_token.refresh_value is not None:
            self.ledger.known(app_token.refresh_value, "the fuzzing credential")
        self.bearer = f"Bearer {pat.value}"
        self.dialect_bearer = f"Bearer {app_token.value}"
        session = SessionStore()
        session["_auth_user_id"] = str(self.user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = self.user.get_session_auth_hash()
        session.create()
        self.session_cookie = session.session_key

    def known_ids(self, path: str) -> list:
        if path.startswith("/api/v2/users/"):
            return [self.root.pk, self.member.pk, self.admin.pk, self.outsider.username, self.member.username]
        if path.startswith("/api/v2/organizations/"):
            return [self.org.pk, self.other_org.pk]
        if path.startswith("/api/v2/applications/"):
            return [self.password_app.pk, self.code_app.pk, self.other_app.pk]
        if path.startswith("/api/v2/tokens/"):
            return list(AccessToken.objects.order_by("pk").values_list("pk", flat=True)[:12])
        if path.startswith("/api/v2/activity_stream/"):
            from activity.models import ActivityEntry

            return list(ActivityEntry.objects.order_by("-pk").values_list("pk", flat=True)[:5])
        return []

    # One case ------------------------------------------------------------------------------

    def headers_for(self, path: str) -> dict:
        if path.startswith(OAUTH):
            if path.startswith("/api/o/authorize/"):
                return {"Cookie": f"sessionid={self.session_cookie}"}
            import base64

            raw = f"{self.password_app.client_id}:{self.client_secret}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        if path.startswith(DIALECT):
            return {"Authorization": self.dialect_bearer}
        return {"Authorization": self.bearer}

    def _aim(self, case) -> None:
        """Point path parameters at real objects, and destructive requests away from the fuzzing identities."""
        path, method = case.operation.path, case.method.upper()
        params = dict(case.path_parameters or {})
        if "organization" in params:
            params["organization"] = Organization.objects.get(pk=self.org.pk).name
        if "member" in params:
            params["member"] = _pick(params["member"], [self.member.username, self.admin.username])
        positive = case._meta is None or case._meta.generation.mode == GenerationMode.POSITIVE
        if "id" in params and positive:
            params["id"] = _pick(params["id"], self.known_ids(path))
        if "id" in params and method in WRITES:
            params["id"] = self._spare(path, method, params["id"])
        if params != (case.path_parameters or {}):
            case.path_parameters = params
        if path.startswith(DIALECT) and positive:
            self._aim_authorization_id(case)
        if path.startswith(DIALECT) and method in ("PUT", "DELETE"):
            self._spare_authorization_id(case)
        if path.startswith("/api/o/") and positive and isinstance(case.body, dict):
            self._real_grant(case)

    def _real_grant(self, case) -> None:
        """Now and then real credentials and values, so that grants succeed and tokens are issued and revoked."""
        body = dict(case.body)
        grant = body.get("grant_type")
        values = [value for value in self.ledger.origin if value.startswith(("tsa_", "tsr_"))]
        if grant == "password" and _pick(body.get("username", ""), [True, True]) is True:
            body.update(username=self.member.username, password=factories.PASSWORD)
        elif grant == "refresh_token" and values:
            refresh = [value for value in values if value.startswith("tsr_")]
            body["refresh_token"] = _pick(body.get("refresh_token", ""), refresh[-3:])
        elif "token" in body and values:
            body["token"] = _pick(body["token"], values[-3:])
        if body != case.body:
            case.body = body

    def _spare(self, path: str, method: str, value):
        """A fresh object in place of a protected one that `method path` would destroy or change."""
        text = str(value)
        if path in ("/api/v2/users/{id}/", "/api/v2/users/{id}/tokens/revoke/"):
            protected = {str(pk) for pk in self.protected_users} | {self.root.username, self.member.username}
            if text in protected or text.lower() in protected:
                self.stats.swapped += 1
                return factories.user(f"spare-{secrets.token_hex(4)}", member_of=[self.org]).pk
        tokens = ("/api/v2/tokens/{id}/", "/api/v2/tokens/{id}/rotate/")
        if path in tokens and text in {str(self.pat.pk), str(self.app_token.pk)}:
            self.stats.swapped += 1
            return factories.personal_token(self.user, description="spare").token.pk
        if path == "/api/v2/organizations/{id}/" and text in {str(pk) for pk in self.protected_orgs}:
            self.stats.swapped += 1
            return factories.organization(f"Spare {secrets.token_hex(4)}").pk
        if path == "/api/v2/applications/{id}/" and text in {str(pk) for pk in self.protected_apps}:
            self.stats.swapped += 1
            return factories.application(self.org, f"Spare {secrets.token_hex(4)}").pk
        return value

    def _aim_authorization_id(self, case) -> None:
        """Now and then the authorizationId of one of the requester's PATs: gets, updates and revokes succeed."""
        known = AccessToken.objects.filter(user=self.user, application=None).order_by("pk")
        ids = [str(value) for value in known.values_list("authorization_id", flat=True)[:6]]
        if "authorizationId" in (case.query or {}):
            case.query = {**case.query, "authorizationId": _pick(case.query["authorizationId"], ids)}
        if isinstance(case.body, dict) and "authorizationId" in case.body:
            case.body = {**case.body, "authorizationId": _pick(case.body["authorizationId"], ids)}

    def _spare_authorization_id(self, case) -> None:
        protected = {str(self.pat.authorization_id), str(self.app_token.authorization_id)}
        query = dict(case.query or {})
        if str(query.get("authorizationId", "")).lower() in protected:
            query["authorizationId"] = str(factories.personal_token(self.user).token.authorization_id)
            case.query = query
            self.stats.swapped += 1
        if isinstance(case.body, dict) and str(case.body.get("authorizationId", "")).lower() in protected:
            case.body = {
                **case.body,
                "authorizationId": str(factories.personal_token(self.user).token.authorization_id),
            }
            self.stats.swapped += 1

    def _heal(self) -> None:
        """Restore what a request may have broken for the requests after it."""
        broken = False
        for user, superuser in ((self.root, True), (self.member, False)):
            fresh = User.objects.filter(pk=user.pk).first()
            if fresh is None:
                raise AssertionError(f"a fuzzing identity was deleted: {user.username}")
            if not fresh.is_active or fresh.is_superuser != superuser:
                User.objects.filter(pk=user.pk).update(is_active=True, is_superuser=superuser, is_staff=superuser)
                broken = True
        if not Membership.objects.filter(user=self.member, organization=self.org).exists():
            Membership.objects.create(user=self.member, organization=self.org, role=Role.MEMBER)
        if Organization.objects.filter(pk=self.org.pk).exclude(name="Fuzzing").exists():
            Organization.objects.filter(pk=self.org.pk).update(name="Fuzzing")
        if ConfigValue.objects.exists():
            ConfigValue.objects.all().delete()
        now = timezone.now()
        for token in (self.pat, self.app_token):
            fresh = AccessToken.objects.filter(pk=token.pk).first()
            if (
                fresh is None
                or fresh.revoked_at is not None
                or fresh.expires <= now + timedelta(minutes=5)
                or fresh.scope not in ("write", "read write")
                or fresh.organization_id is not None
            ):
                broken = True
        if broken:
            self.stats.healed += 1
            self.user.refresh_from_db()
            self._issue_credentials()

    def run(self, case) -> None:
        started = time.monotonic()
        try:
            self._run(case)
        finally:
            self.stats.seconds += time.monotonic() - started

    def _run(self, case) -> None:
        label = f"{case.method.upper()} {case.operation.path}"
        self._aim(case)
        headers = self.headers_for(case.operation.path)
        try:
            response = case.call(base_url=self.base_url, session=self.session, headers=headers, timeout=30)
        except requests.RequestException as exc:
            self.findings.append(Finding(label, "transport", None, f"{type(exc).__name__}: {exc}"))
            return
        self.stats.note(label, response.status_code)
        for leak in self.ledger.observe(label, response):
            self.findings.append(Finding(label, "secret", response.status_code, leak + "\n" + self._curl(case)))
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                title = getattr(failure, "title", type(failure).__name__)
                detail = f"{failure}\n{self._curl(case)}\n{response.text[:300]}"
                self.findings.append(Finding(label, title, response.status_code, detail))
        except AssertionError as failure:
            self.findings.append(Finding(label, "check", response.status_code, f"{failure}\n{self._curl(case)}"))
        if case.method.upper() not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            # Only a write that succeeded can have broken anything.
            self._heal()

    def _curl(self, case) -> str:
        try:
            return case.as_curl_command(headers={"Authorization": "[credential]"})
        except Exception:  # a malformed case may not make a curl line; the finding still counts
            return repr(case)
