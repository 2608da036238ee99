"""Username and password sign-in forms, limited like every password check (tokensvc/throttling.py).

The browsable API's /api/login/ and the web pages' sign-in page both use Django's login
view. Here its form asks for a lock before the password is hashed, and counts each refusal;
a locked form is answered with status 429, a Retry-After header and the reason as the
form's error, whatever the password was.
"""

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpResponse

from tokensvc import throttling
from tokensvc.addresses import client_address


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form; `lockout` is set when a limit refused it before the password was checked."""

    lockout: throttling.Lockout | None = None

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return super().clean()  # a missing field: no password is checked, nothing is counted
        address = client_address(self.request) if self.request is not None else ""
        counters = throttling.password_counters(address, username)
        self.lockout = throttling.lockout(counters)
        if self.lockout is not None:
            raise ValidationError(self.lockout.message, code="throttled")
        try:
            return super().clean()
        except ValidationError:
            throttling.record_failure(counters, address=address)
            raise


class ThrottledLoginView(LoginView):
    """Django's login view answering a locked-out form with 429 and Retry-After."""

    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        lockout = getattr(form, "lockout", None)
        if lockout is not None:
            response.status_code = 429
            response["Retry-After"] = str(lockout.retry_after)
        return response


class ApiLogin(ThrottledLoginView):
    """/api/login/: the browsable API's sign-in page (DRF's template)."""

    template_name = "rest_framework/login.html"
