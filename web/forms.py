"""The web pages' forms: shapes and words only; who may do what and which lifetimes are allowed are asked elsewhere.

Rules live in tokens.policy, the access policies and the services; a view asks them and
puts their refusal next to the field it concerns (`add_refusal`).
"""

from datetime import date, datetime, time

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from applications.models import Application
from applications.redirects import GRANT_TYPES
from tokens.serializers import MAX_PAT_LIFETIME_DAYS
from tokensvc.access.scopes import READ, WRITE
from tokensvc.limits import DESCRIPTION_MAX_LENGTH, REDIRECT_URIS_MAX_LENGTH
from tokensvc.signin import ThrottledAuthenticationForm

# What a token's description may hold (the column's length).
TOKEN_DESCRIPTION_MAX_LENGTH = 512
SCOPE_CHOICES = (
    (READ, "Read: look, never change"),
    (WRITE, "Write: read and change"),
)
INACTIVE_MESSAGE = "This account is inactive: it cannot sign in. Ask an administrator to reactivate it."


class AccessibleForm(forms.Form):
    """A form whose fields name their errors in `aria-describedby`, so screen readers read them with the field."""

    def full_clean(self) -> None:
        super().full_clean()
        self.describe_errors()

    def describe_errors(self) -> None:
        for name, field in self.fields.items():
            bound = self[name]
            described = []
            if bound.errors:
                described.append(f"{bound.auto_id}_error")
            if field.help_text:
                described.append(f"{bound.auto_id}_helptext")
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def add_refusal(self, field: str | None, message: str) -> None:
        """A refusal in words, next to `field` (None: the whole form)."""
        self.add_error(field if field in self.fields else None, message)
        self.describe_errors()


class SignInForm(AccessibleForm, ThrottledAuthenticationForm):
    """Username and password; an inactive account is told so, once its password is right.

    A locked username or address (tokensvc/throttling.py) is refused before any password is checked.
    """

    error_messages = {
        **ThrottledAuthenticationForm.error_messages,
        "invalid_login": "The username or password is not correct. Both are case-sensitive.",
        "inactive": INACTIVE_MESSAGE,
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if self.lockout is not None:
                raise  # refused before any password was checked: none is checked here either
            # The backend refuses inactive accounts as it refuses a wrong password; whoever
            # knows the password learns the difference, as Django's own form tells them.
            account = get_user_model()._default_manager.filter(username=self.cleaned_data.get("username")).first()
            password = self.cleaned_data.get("password") or ""
            if (
                account is not None
                and not account.is_active
                and not getattr(account, "external_account", None)
                and account.check_password(password)
            ):
                raise ValidationError(INACTIVE_MESSAGE, code="inactive") from None
            raise


class DateInput(forms.DateInput):
    input_type = "date"


def end_of_choice(day: date) -> datetime:
    """A chosen day as an expiry: that day at the current time of day (UTC), so N days from today is N days."""
    now = timezone.now()
    return datetime.combine(day, time(now.hour, now.minute, now.second), tzinfo=now.tzinfo)


class ExpiryField(forms.DateField):
    widget = DateInput

    def clean(self, value):
        day = super().clean(value)
        return end_of_choice(day) if day is not None else None


class TokenCreateForm(AccessibleForm):
    description = forms.CharField(
        max_length=TOKEN_DESCRIPTION_MAX_LENGTH,
        required=False,
        help_text="What the token is for, so you recognise it later.",
    )
    scope = forms.ChoiceField(choices=SCOPE_CHOICES, initial=WRITE, widget=forms.RadioSelect)
    organization = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Organization binding",
        help_text="A token bound to an organization reaches only that organization's objects.",
    )
    expires = ExpiryField(required=False, help_text="Leave empty for the default lifetime.")

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Not bound: every organization you belong to")]
        choices += [(str(org.pk), org.name) for org in organizations]
        self.fields["organization"].choices = choices
        self.fields["expires"].widget.attrs["min"] = (timezone.now().date()).isoformat()


class RenameForm(AccessibleForm):
    description = forms.CharField(max_length=TOKEN_DESCRIPTION_MAX_LENGTH, required=False)


class RenewForm(AccessibleForm):
    expires = ExpiryField(label="New expiry date")


class RotateForm(AccessibleForm):
    expires = ExpiryField(required=False, label="Expiry of the new token", help_text="Leave empty for the default.")


class ApplicationForm(AccessibleForm):
    name = forms.CharField(max_length=255, help_text="Unique in the organization.")
    description = forms.CharField(max_length=DESCRIPTION_MAX_LENGTH, required=False, widget=forms.Textarea)
    client_type = forms.ChoiceField(
        choices=Application.CLIENT_TYPES,
        help_text="A confidential client keeps a secret (a server); a public one cannot (a browser or mobile app).",
    )
    authorization_grant_type = forms.ChoiceField(
        choices=GRANT_TYPES, label="Grant type", help_text="Set on creation; it cannot be changed afterwards."
    )
    redirect_uris = forms.CharField(
        max_length=REDIRECT_URIS_MAX_LENGTH,
        required=False,
        label="Redirect URIs",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Absolute http or https URLs, separated by spaces; required for the authorization-code grant.",
    )
    skip_authorization = forms.BooleanField(required=False, label="Skip the consent page")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["authorization_grant_type"]


class TokenPolicyForm(AccessibleForm):
    max_pat_lifetime_days = forms.IntegerField(
        min_value=1,
        max_value=MAX_PAT_LIFETIME_DAYS,
        required=False,
        label="Longest lifetime of a member's personal access token (days)",
        help_text="Empty: no limit of the organization's own.",
    )
    restrict_global_pats = forms.BooleanField(
        required=False, label="Members may not create personal access tokens bound to no organization"
    )
    restrict_full_scope_pats = forms.BooleanField(
        required=False, label="Members may not create write-scoped personal access tokens"
    )
    exempt_users = forms.ModelMultipleChoiceField(
        queryset=get_user_model()._default_manager.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Members exempt from these rules",
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["exempt_users"].queryset = members
