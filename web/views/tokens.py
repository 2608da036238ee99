"""My tokens: list, create a personal access token, rename, renew, rotate and revoke, over tokens.services.

Every action asks `check()` first, with the data it is about to write, and calls the same
service as the API; what the policy, an organization's token policy or a service refuses is
shown next to the field it concerns, in the words of the rule that refused it. A new value
is rendered once, in the answer to the POST that made it (see web/security.py).
"""

from datetime import timedelta
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from tokens import policy, services
from tokens.locks import InactiveUser
from tokens.models import STATUSES, AccessToken, AccessTokenQuerySet
from tokensvc import access
from tokensvc.shownonce import reveal
from users.models import Organization

from ..forms import RenameForm, RenewForm, RotateForm, TokenCreateForm
from ..security import once_key, once_valid, spend_once
from .base import Page, page, safe_next

PAGE_SIZE = 20
# Within this many days an expiry is announced as "expires in N days".
SOON_DAYS = 14
FILTERS = (("active", "Active"), ("expired", "Expired"), ("revoked", "Revoked"), ("all", "All"))
ALREADY_SENT_MESSAGE = (
    "That form was sent already. A value is shown only once, when it is made: it cannot be shown again."
)
CHANGED_MESSAGE = "The token was changed by someone else meanwhile. Look at it again and retry."


def token_status(token: AccessToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires <= timezone.now() else "active"


def expires_in_days(token: AccessToken) -> int | None:
    """Whole days left when the token expires soon (and is neither revoked nor expired), else None."""
    if token.revoked_at is not None:
        return None
    left = token.expires - timezone.now()
    if timedelta(0) < left <= timedelta(days=SOON_DAYS):
        return left.days
    return None


def decorate(tokens: Any) -> list[AccessToken]:
    """The tokens with what the pages show about each: status and days left."""
    rows = list(tokens)
    for token in rows:
        token.status = token_status(token)
        token.days_left = expires_in_days(token)
    return rows


def chosen_status(request: HttpRequest) -> str:
    status = request.GET.get("status", "active")
    return status if status in STATUSES else "active"


def by_status(queryset: QuerySet[Any], status: str) -> QuerySet[Any]:
    """Of `queryset` (tokens), those of `status`, newest first."""
    tokens: QuerySet[Any] = cast(AccessTokenQuerySet, queryset).with_status(status)
    return tokens.order_by("-created", "-id")


def paged(request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


class TokenList(Page):
    """My tokens: personal access tokens and application tokens, by status, a page at a time."""

    def get(self, request: HttpRequest) -> HttpResponse:
        status = chosen_status(request)
        mine = access.visible(self.actor, AccessToken, include_revoked=True).filter(user_id=request.user.pk)
        tokens = paged(request, by_status(mine, status))
        return page(
            request,
            "tokens.html",
            {
                "tokens": decorate(tokens),
                "page_obj": tokens,
                "status": status,
                "filters": FILTERS,
                "may_create": self.may("add", AccessToken, data={"user": request.user, "application": None}),
            },
        )


class PolicyAware(Page):
    """Helpers for pages that choose a token's expiry: the allowed maximum and why, from tokens.policy."""

    def limit_rows(self, organizations: list[Organization]) -> list[dict[str, Any]]:
        user = self.request.user
        rows = []
        for label, organization_id in [("Not bound", None)] + [(f"Bound to {o.name}", o.pk) for o in organizations]:
            limit = policy.lifetime_limit(user, organization_id)  # type: ignore[arg-type]
            rows.append({"label": label, "latest": limit.latest(), "reason": limit.reason})
        return rows

    @staticmethod
    def place(form: Any, violation: policy.PolicyViolation) -> None:
        form.add_refusal(violation.field, violation.message)


class TokenCreate(PolicyAware):
    """Create a personal access token for myself; its value is shown once, in the answer to the POST."""

    def organizations(self) -> list[Organization]:
        return list(access.visible(self.actor, Organization).order_by("name"))

    def render_form(self, form: TokenCreateForm, key: str, status: int = 200) -> HttpResponse:
        organizations = self.organizations()
        return page(
            self.request,
            "token_create.html",
            {"form": form, "once": key, "limits": self.limit_rows(organizations)},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        self.require("add", AccessToken, data={"user": request.user, "application": None})
        return self.render_form(TokenCreateForm(organizations=self.organizations()), once_key(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        if not once_valid(request):
            messages.warning(request, ALREADY_SENT_MESSAGE)
            return HttpResponseRedirect(reverse("web:tokens"))
        organizations = self.organizations()
        form = TokenCreateForm(request.POST, organizations=organizations)
        if not form.is_valid():
            return self.render_form(form, request.POST["once"], status=400)
        data = form.cleaned_data
        organization = next((o for o in organizations if o.pk == data["organization"]), None)
        intent = {"user": request.user, "application": None}
        decision, field = self.may("add", AccessToken, data=intent), None
        if decision:
            # Asked again with the binding, so that a refusal of the binding is shown next to it.
            field = "organization"
            decision = self.may("add", AccessToken, data={**intent, "organization": organization})
        if not decision:
            form.add_refusal(field, decision.reason or "You may not create this token.")
            return self.render_form(form, request.POST["once"], status=403)
        if data["expires"] is not None:
            problem = policy.expiry_problem(data["expires"], personal=True)
            if problem:
                form.add_refusal("expires", problem)
                return self.render_form(form, request.POST["once"], status=400)
        try:
            issued = services.token_issue(
                actor=request.user,
                user=request.user,  # type: ignore[arg-type]
                scope=data["scope"],
                description=data["description"],
                expires=data["expires"],
                organization=organization,
            )
        except policy.PolicyViolation as violation:
            self.place(form, violation)
            return self.render_form(form, request.POST["once"], status=400 if violation.is_bad_input else 403)
        except InactiveUser:
            form.add_refusal(None, "Your account is inactive: it cannot hold tokens.")
            return self.render_form(form, request.POST["once"], status=403)
        spend_once(request)
        context = {"token": issued.token, "value": reveal(request, issued.value), "verb": "created"}
        return page(request, "token_value.html", context)


class TokenDetail(Page):
    """One token I may see (mine, or one my organization manages), with the buttons check() allows."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = self.find(AccessToken, pk, include_revoked=True)
        decorate([token])
        return page(request, "token_detail.html", {"token": token, **self.buttons(token)})

    def buttons(self, token: AccessToken) -> dict[str, bool]:
        live = token.revoked_at is None
        return {
            "may_rename": live and bool(self.may("change", AccessToken, token, {"description": ""})),
            # Renewal is judged as a change of `expires` (to anything else than now).
            "may_renew": live and bool(self.may("change", AccessToken, token, {"expires": None})),
            "may_rotate": token_status(token) == "active" and bool(self.may("rotate", AccessToken, token)),
            "may_revoke": live and bool(self.may("delete", AccessToken, token)),
        }


class TokenAction(PolicyAware):
    """A page that changes one live token: it must be visible, and check() must allow the action."""

    action = "change"

    def token(self, pk: int) -> AccessToken:
        token: AccessToken = self.find(AccessToken, pk)
        decorate([token])
        return token

    def done(self, token: AccessToken, message: str) -> HttpResponse:
        messages.success(self.request, message)
        return HttpResponseRedirect(safe_next(self.request, reverse("web:token", args=[token.pk])))

    def update(self, token: AccessToken, form: Any, data: dict[str, Any]) -> AccessToken | None:
        """Change the token through the service; a refusal goes on the form and None comes back."""
        decision = self.may("change", AccessToken, token, data)
        if not decision:
            form.add_refusal(next(iter(data)), decision.reason or "You may not change this token.")
            return None
        try:
            return services.token_update(actor=self.request.user, token=token, data=data)
        except policy.PolicyViolation as violation:
            self.place(form, violation)
        except services.TokenRevoked:
            form.add_refusal(None, "The token has been revoked meanwhile; it cannot be changed.")
        except services.TokenChanged:
            form.add_refusal(None, CHANGED_MESSAGE)
        return None


class TokenRename(TokenAction):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = self.token(pk)
        self.require("change", AccessToken, token, {"description": token.description})
        form = RenameForm(initial={"description": token.description})
        return page(request, "token_rename.html", {"token": token, "form": form})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = self.token(pk)
        form = RenameForm(request.POST)
        if form.is_valid():
            changed = self.update(token, form, {"description": form.cleaned_data["description"]})
            if changed is not None:
                return self.done(changed, "The token's description is changed.")
        return page(request, "token_rename.html", {"token": token, "form": form}, status=400)


class TokenRenew(TokenAction):
    def limit(self, token: AccessToken) -> policy.LifetimeLimit:
        personal = token.application_id is None
        return policy.lifetime_limit(token.user, token.organization_id, personal=personal)  # type: ignore[arg-type]

    def render_form(self, token: AccessToken, form: RenewForm, status: int = 200) -> HttpResponse:
        limit = self.limit(token)
        context = {"token": token, "form": form, "latest": limit.latest(), "reason": limit.reason}
        return page(self.request, "token_renew.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = self.token(pk)
        self.require("change", AccessToken, token, {"expires": None})
        return self.render_form(token, RenewForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = self.token(pk)
        form = RenewForm(request.POST)
        if form.is_valid():
            expires = form.cleaned_data["expires"]
            problem = policy.expiry_problem(expires, personal=token.application_id is None)
            if problem:
                form.add_refusal("expires", problem)
            else:
                changed = self.update(token, form, {"expires": expires})
                if changed is not None:
                    return self.done(changed, "The token is renewed.")
        return self.render_form(token, form, status=400)


class TokenRevoke(TokenAction):
    """A confirmation page, then the revocation: the token stops working at once."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = self.token(pk)
        self.require("delete", AccessToken, token)
        return page(request, "token_revoke.html", {"token": token, "next": safe_next(request, "")})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = self.token(pk)
        self.require("delete", AccessToken, token)
        services.token_revoke(actor=request.user, token=token)
        messages.success(request, f"The token ending in {token.token_hint} is revoked: it no longer works.")
        return HttpResponseRedirect(safe_next(request, reverse("web:tokens")))


class TokenRotate(TokenAction):
    """A confirmation page, then a new token in the old one's place; the new value is shown once."""

    def render_form(self, token: AccessToken, form: RotateForm, key: str, status: int = 200) -> HttpResponse:
        limit = policy.lifetime_limit(token.user, token.organization_id, personal=token.application_id is None)  # type: ignore[arg-type]
        context = {"token": token, "form": form, "once": key, "latest": limit.latest(), "reason": limit.reason}
        return page(self.request, "token_rotate.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = self.token(pk)
        self.require("rotate", AccessToken, token)
        return self.render_form(token, RotateForm(), once_key(request))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        # A reload of the page that showed the new value finds the old token revoked: say why, show nothing.
        seen = self.find(AccessToken, pk, include_revoked=True)
        if seen.revoked_at is None:
            self.require("rotate", AccessToken, seen)
        if not once_valid(request):
            messages.warning(request, ALREADY_SENT_MESSAGE)
            return HttpResponseRedirect(reverse("web:tokens"))
        token = self.token(pk)
        self.require("rotate", AccessToken, token)
        form = RotateForm(request.POST)
        key = request.POST["once"]
        if not form.is_valid():
            return self.render_form(token, form, key, status=400)
        expires = form.cleaned_data["expires"]
        problem = expires and policy.expiry_problem(expires, personal=token.application_id is None)
        if problem:
            form.add_refusal("expires", problem)
            return self.render_form(token, form, key, status=400)
        try:
            issued = services.token_rotate(actor=request.user, token=token, expires=expires)
        except policy.PolicyViolation as violation:
            self.place(form, violation)
            return self.render_form(token, form, key, status=400)
        except ValidationError as error:
            form.add_refusal(None, " ".join(error.messages))
            return self.render_form(token, form, key, status=400)
        except services.TokenChanged:
            form.add_refusal(None, "The token was rotated or revoked meanwhile; only one rotation of a token succeeds.")
            return self.render_form(token, form, key, status=409)
        except InactiveUser:
            form.add_refusal(None, "The token's owner is inactive: no token can replace it.")
            return self.render_form(token, form, key, status=403)
        spend_once(request)
        context = {"token": issued.token, "value": reveal(request, issued.value), "verb": "rotated", "old": token}
        if issued.refresh_value:
            context["refresh_value"] = reveal(request, issued.refresh_value)
        return page(request, "token_value.html", context)


def managed_by(organization: Organization) -> Q:
    """The tokens an organization manages: bound to it, or of its applications."""
    return Q(organization=organization) | Q(application__organization=organization)
