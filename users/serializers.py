"""Tower-shaped serializers for users and organizations."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from tokensvc.api.serializers import BaseSerializer, reverse_pk
from tokensvc.api.viewsets import is_id
from tokensvc.limits import DESCRIPTION_MAX_LENGTH

from .models import Organization, User, username_key
from .services import ORGANIZATION_NAME_TAKEN, USERNAME_TAKEN


class UserSerializer(BaseSerializer):
    detail_view = "user_detail"

    created = serializers.DateTimeField(source="date_joined", read_only=True, help_text="When this user was created.")
    # Passwords are taken exactly as typed: no whitespace is trimmed, as at every sign-in.
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=False,
        trim_whitespace=False,
        max_length=128,
        style={"input_type": "password"},
        help_text="Write-only. Checked against the password rules.",
    )
    current_password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=128,
        style={"input_type": "password"},
        help_text="Write-only. Your current password: required with `password` to change your own password.",
    )
    external_account = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The external authentication provider that created this account; null for local accounts.",
    )
    last_login = serializers.DateTimeField(read_only=True, help_text="When this user last logged in; null if never.")

    class Meta:
        model = User
        fields = BaseSerializer.base_fields + (
            "username",
            "first_name",
            "last_name",
            "email",
            "is_superuser",
            "is_system_auditor",
            "is_active",
            "password",
            "current_password",
            "external_account",
            "last_login",
        )
        extra_kwargs = {
            "username": {
                "help_text": "Unique, whatever its case or Unicode form. 150 characters or fewer: "
                "letters, digits and @ . + - _ only."
            },
            "first_name": {"help_text": "The user's given name."},
            "last_name": {"help_text": "The user's family name."},
            "email": {"help_text": "The user's email address."},
            "is_superuser": {"label": "System administrator", "help_text": "Can do everything in the system."},
            "is_system_auditor": {"label": "System auditor"},
            "is_active": {"help_text": "Inactive users cannot log in or use their tokens."},
        }

    def get_fields(self):
        fields = super().get_fields()
        # A new account needs a password; an existing one keeps its own unless given a new one.
        fields["password"].required = self.instance is None
        if self.instance is None:
            # Only a change of an existing account's password is proved by the current one.
            del fields["current_password"]
        return fields

    def get_related(self, obj):
        pk = obj.pk
        return {name: reverse_pk(f"user_{name}", pk) for name in ("organizations", "admin_of_organizations")}

    def validate_username(self, value):
        # Stored in its compatibility form (NFKC), as Django's own forms store it: "ﬁx" is "fix".
        value = User.normalize_username(value)
        try:
            User._meta.get_field("username").run_validators(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from None
        # A URL segment of digits is read as an id, so such a name could never be looked up.
        if is_id(value) and (self.instance is None or value != self.instance.username):
            raise serializers.ValidationError("A username cannot consist of digits only.")
        # One name as people read it, whatever its case: "Admin" next to "admin" is refused
        # here, and by the unique key in the database under concurrent writes.
        taken = User.objects.filter(username_key=username_key(value))
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(USERNAME_TAKEN)
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        password = attrs.get("password")
        if password:
            candidate = self.instance
            if candidate is None:
                candidate = User(**{k: v for k, v in attrs.items() if k != "password"})
            try:
                password_validation.validate_password(password, candidate)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": list(error.messages)}) from None
        return attrs


class OrganizationSerializer(BaseSerializer):
    detail_view = "organization_detail"

    class Meta:
        model = Organization
        fields = BaseSerializer.base_fields + ("name", "description")
        extra_kwargs = {
            "name": {
                "help_text": "Unique name of the organization.",
                # The same words as the services' answer when a concurrent write takes the name first.
                "validators": [UniqueValidator(Organization.objects.all(), message=ORGANIZATION_NAME_TAKEN)],
            },
            "description": {"help_text": "Optional free text.", "max_length": DESCRIPTION_MAX_LENGTH},
        }

    def get_related(self, obj):
        pk = obj.pk
        related = ("users", "admins", "auditors", "token_policy")
        return {name: reverse_pk(f"organization_{name}", pk) for name in related}
