"""Plain factory functions for test data, built through the same services as the API."""

from users.models import Membership, Organization, User
from users.roles import Role

PASSWORD = "Correct-Horse-42"


def organization(name: str, description: str = "") -> Organization:
    return Organization.objects.create(name=name, description=description)


def user(
    username: str,
    *,
    is_superuser: bool = False,
    is_system_auditor: bool = False,
    admin_of=(),
    member_of=(),
    auditor_of=(),
    external_account: str | None = None,
    **fields,
) -> User:
    account = User(
        username=username,
        is_superuser=is_superuser,
        is_staff=is_superuser,
        is_system_auditor=is_system_auditor,
        external_account=external_account,
        **fields,
    )
    account.set_password(PASSWORD)
    account.save()
    for role, organizations in ((Role.ADMIN, admin_of), (Role.MEMBER, member_of), (Role.AUDITOR, auditor_of)):
        for org in organizations:
            Membership.objects.create(user=account, organization=org, role=role)
    return account


def personal_token(owner: User, scope: str = "write", description: str = "", expires=None, organization=None):
    from tokens.services import token_issue

    return token_issue(
        actor=owner, user=owner, scope=scope, description=description, expires=expires, organization=organization
    )


def application(org: Organization, name: str = "App", **fields):
    from applications.models import Application

    values = {
        "client_type": "confidential",
        "authorization_grant_type": "password",
        "redirect_uris": "",
    }
    values.update(fields)
    return Application.objects.create(organization=org, name=name, **values)


def application_token(owner: User, app, scope: str = "write", description: str = "", issued_via: str = "api"):
    """An application token as a grant or the API would leave it (`issued_via` says which)."""
    from tokens.services import token_issue

    return token_issue(
        actor=owner, user=owner, application=app, scope=scope, description=description, issued_via=issued_via
    )
