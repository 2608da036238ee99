"""Signing in and out: the same session as the browsable API's /api/login/, with its idle timeout."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse

from tokensvc.signin import ThrottledLoginView

from ..forms import SignInForm
from ..security import secure
from .base import Page


class SignIn(ThrottledLoginView):
    """Username and password (Django's login: a new session id, a new CSRF token); signed-in people go home.

    Too many failures for the username or from the address answer 429 with the reason as the form's error.
    """

    template_name = "web/signin.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return secure(super().dispatch(request, *args, **kwargs))

    def get_default_redirect_url(self) -> str:
        return reverse("web:tokens")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = settings.SSO_REMOTE_USER_ENABLED
        context["idle_minutes"] = max(1, settings.SESSION_COOKIE_AGE // 60)
        return context


class SignOut(Page):
    """POST only (a link could be followed by any page); the session ends everywhere it is used."""

    sign_in_required = False
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        messages.info(request, "You are signed out.")
        return HttpResponseRedirect(reverse("web:signin"))
