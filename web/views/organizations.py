"""My organizations: their applications (create, edit, delete), their members' tokens, their token policy.

Buttons appear only where `check()` allows the action, so an auditor reads without them;
the actions ask again, and call the services the API calls.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from applications import services as application_services
from applications.models import Application
from applications.redirects import redirect_uris_problems
from tokens import org_policy
from tokens.models import AccessToken, OrganizationTokenPolicy
from tokensvc import access
from tokensvc.shownonce import reveal
from users.models import Membership, Organization, User

from ..forms import ApplicationForm, TokenPolicyForm
from ..security import once_key, once_valid, spend_once
from .base import Page, page
from .tokens import ALREADY_SENT_MESSAGE, FILTERS, by_status, chosen_status, decorate, managed_by, paged


def place_errors(form: Any, error: ValidationError) -> None:
    """A service's ValidationError, each message next to the field it names."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            for problem in problems:
                form.add_refusal(field, problem)
    else:
        for problem in error.messages:
            form.add_refusal(None, problem)


class OrganizationList(Page):
    def get(self, request: HttpRequest) -> HttpResponse:
        organizations = access.visible(self.actor, Organization).order_by("name")
        return page(request, "organizations.html", {"organizations": organizations})


class OrganizationPage(Page):
    """A page about one organization the person may see."""

    def organization(self, pk: int) -> Organization:
        organization: Organization = self.find(Organization, pk)
        return organization


class OrganizationApplications(OrganizationPage):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        organization = self.organization(pk)
        applications = [
            {
                "application": application,
                "may_change": self.may("change", Application, application),
                "may_delete": self.may("delete", Application, application),
            }
            for application in access.visible(self.actor, Application).filter(organization=organization)
        ]
        may_add = self.may("add", Application, data={"organization": organization})
        context = {"organization": organization, "applications": applications, "may_add": may_add}
        return page(request, "applications.html", context)


def application_values(form: ApplicationForm) -> dict[str, Any]:
    values = dict(form.cleaned_data)
    values["redirect_uris"] = " ".join(values.get("redirect_uris", "").split())
    return values


class ApplicationCreate(OrganizationPage):
    """A new application of the organization; a confidential client's secret is shown once, in the answer."""

    def render_form(self, organization: Organization, form: ApplicationForm, key: str, status: int = 200):
        context = {"organization": organization, "form": form, "once": key}
        return page(self.request, "application_form.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        organization = self.organization(pk)
        self.require("add", Application, data={"organization": organization})
        return self.render_form(organization, ApplicationForm(), once_key(request))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        organization = self.organization(pk)
        self.require("add", Application, data={"organization": organization})
        if not once_valid(request):
            messages.warning(request, ALREADY_SENT_MESSAGE)
            return HttpResponseRedirect(reverse("web:applications", args=[pk]))
        key = request.POST["once"]
        form = ApplicationForm(request.POST)
        if not form.is_valid():
            return self.render_form(organization, form, key, status=400)
        values = application_values(form)
        decision = self.may("add", Application, data={**values, "organization": organization})
        if not decision:
            form.add_refusal(None, decision.reason or "You may not create applications here.")
            return self.render_form(organization, form, key, status=403)
        for problem in redirect_uris_problems(values["redirect_uris"], values["authorization_grant_type"]):
            form.add_refusal("redirect_uris", problem)
        if form.errors:
            return self.render_form(organization, form, key, status=400)
        try:
            created = application_services.application_create(actor=request.user, organization=organization, **values)
        except ValidationError as error:
            place_errors(form, error)
            return self.render_form(organization, form, key, status=400)
        spend_once(request)
        secret = reveal(request, created.client_secret)
        context = {"organization": organization, "application": created.application, "secret": secret}
        return page(request, "application_created.html", context)


class ApplicationEdit(Page):
    def application(self, pk: int) -> Application:
        application: Application = self.find(Application, pk)
        return application

    def render_form(self, application: Application, form: ApplicationForm, status: int = 200) -> HttpResponse:
        return page(self.request, "application_form.html", {"application": application, "form": form}, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = self.application(pk)
        self.require("change", Application, application)
        fields = ("name", "description", "client_type", "redirect_uris", "skip_authorization")
        form = ApplicationForm(initial={name: getattr(application, name) for name in fields}, editing=True)
        return self.render_form(application, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = self.application(pk)
        self.require("change", Application, application)
        form = ApplicationForm(request.POST, editing=True)
        if not form.is_valid():
            return self.render_form(application, form, status=400)
        values = application_values(form)
        decision = self.may("change", Application, application, values)
        if not decision:
            form.add_refusal(None, decision.reason or "You may not change this application.")
            return self.render_form(application, form, status=403)
        for problem in redirect_uris_problems(values["redirect_uris"], application.authorization_grant_type):
            form.add_refusal("redirect_uris", problem)
        if form.errors:
            return self.render_form(application, form, status=400)
        try:
            updated = application_services.application_update(actor=request.user, application=application, data=values)
        except ValidationError as error:
            place_errors(form, error)
            return self.render_form(application, form, status=400)
        secret = reveal(request, getattr(updated, "issued_client_secret", None))
        if secret:
            # A public client made confidential has a secret for the first time: shown in this answer only.
            context = {"organization": updated.organization, "application": updated, "secret": secret}
            return page(request, "application_created.html", context)
        messages.success(request, f"The application {updated.name} is saved.")
        return HttpResponseRedirect(reverse("web:applications", args=[updated.organization_id]))


class ApplicationDelete(ApplicationEdit):
    """A confirmation page, then the deletion: the application's tokens stop working at once."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = self.application(pk)
        self.require("delete", Application, application)
        tokens = access.visible(self.actor, AccessToken).filter(application=application).count()
        return page(request, "application_delete.html", {"application": application, "tokens": tokens})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = self.application(pk)
        self.require("delete", Application, application)
        organization_id = application.organization_id
        name = application.name
        application_services.application_delete(actor=request.user, application=application)
        messages.success(request, f"The application {name} is deleted; its tokens no longer work.")
        return HttpResponseRedirect(reverse("web:applications", args=[organization_id]))


class OrganizationTokens(OrganizationPage):
    """The tokens the organization manages (bound to it, or of its applications), as far as the person sees them."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        organization = self.organization(pk)
        status = chosen_status(request)
        tokens = access.visible(self.actor, AccessToken, include_revoked=True).filter(managed_by(organization))
        page_obj = paged(request, by_status(tokens, status))
        rows = decorate(page_obj)
        for token in rows:
            token.may_revoke = token.revoked_at is None and bool(self.may("delete", AccessToken, token))  # type: ignore[attr-defined]
        context = {
            "organization": organization,
            "tokens": rows,
            "page_obj": page_obj,
            "status": status,
            "filters": FILTERS,
        }
        return page(request, "organization_tokens.html", context)


class OrganizationPolicy(OrganizationPage):
    """The organization's rules for its members' personal access tokens; its admins edit them."""

    def rule(self, organization: Organization) -> OrganizationTokenPolicy:
        found = access.visible(self.actor, OrganizationTokenPolicy).filter(organization=organization).first()
        rule = found or org_policy.organization_token_policy(organization)
        self.require("view", OrganizationTokenPolicy, rule)
        return rule

    def members(self, organization: Organization) -> Any:
        ids = Membership.objects.filter(organization=organization).values("user_id")
        return access.visible(self.actor, User).filter(pk__in=ids).order_by("username")

    def render_form(self, organization: Organization, rule: OrganizationTokenPolicy, form: Any, status: int = 200):
        may_change = self.may("change", OrganizationTokenPolicy, rule)
        exempt = list(rule.exempt_users.order_by("username")) if rule.pk else []
        context = {"organization": organization, "rule": rule, "form": form, "may_change": may_change, "exempt": exempt}
        return page(self.request, "organization_policy.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        organization = self.organization(pk)
        rule = self.rule(organization)
        initial = {
            "max_pat_lifetime_days": rule.max_pat_lifetime_days,
            "restrict_global_pats": rule.restrict_global_pats,
            "restrict_full_scope_pats": rule.restrict_full_scope_pats,
            "exempt_users": list(rule.exempt_users.all()) if rule.pk else [],
        }
        form = TokenPolicyForm(initial=initial, members=self.members(organization))
        return self.render_form(organization, rule, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        organization = self.organization(pk)
        rule = self.rule(organization)
        form = TokenPolicyForm(request.POST, members=self.members(organization))
        if not form.is_valid():
            return self.render_form(organization, rule, form, status=400)
        self.require("change", OrganizationTokenPolicy, rule, form.cleaned_data)
        try:
            org_policy.organization_token_policy_update(
                actor=request.user, organization=organization, values=form.cleaned_data
            )
        except ValidationError as error:
            place_errors(form, error)
            return self.render_form(organization, rule, form, status=400)
        messages.success(request, f"The token policy of {organization.name} is saved.")
        return HttpResponseRedirect(reverse("web:policy", args=[organization.pk]))
