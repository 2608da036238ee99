"""Writes for OAuth2 applications; each records its activity, never the client secret.

Deleting an application is announced first (`signals.application_deleting`), in the same
transaction, so that the tokens app records the end of the application's tokens.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from oauth2_provider.generators import generate_client_secret

from activity import recorder
from users.models import Organization
from users.services import Actor

from .models import Application
from .signals import application_deleting

APPLICATION_AUDITED_FIELDS = (
    "name",
    "description",
    "client_id",
    "client_type",
    "redirect_uris",
    "authorization_grant_type",
    "skip_authorization",
    "organization",
    "is_resource_server",
)


def _save_with_unique_name(application: Application) -> None:
    """Save, refusing a name already used in the organization (also when a concurrent write wins)."""
    message = f"An application named {application.name!r} already exists in this organization."
    clashes = Application.objects.filter(organization_id=application.organization_id, name=application.name)
    if clashes.exclude(pk=application.pk).exists():
        raise ValidationError({"name": [message]})
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ValidationError({"name": [message]}) from None


@dataclass
class CreatedApplication:
    """A new application and its plaintext client secret, which exists only here and in the create response."""

    application: Application
    client_secret: str | None = field(repr=False)


@transaction.atomic
def application_create(
    *,
    actor: Actor,
    organization: Organization,
    name: str,
    client_type: str,
    authorization_grant_type: str,
    redirect_uris: str = "",
    description: str = "",
    skip_authorization: bool = False,
    is_resource_server: bool = False,
) -> CreatedApplication:
    """Register an application; the secret is hashed on save, so it is read out before."""
    application = Application(
        organization=organization,
        name=name,
        description=description,
        client_type=client_type,
        authorization_grant_type=authorization_grant_type,
        redirect_uris=redirect_uris,
        skip_authorization=skip_authorization,
        is_resource_server=is_resource_server,
    )
    plaintext = application.client_secret
    _save_with_unique_name(application)
    recorder.record(
        actor=actor,
        operation="create",
        obj=application,
        changes=recorder.snapshot(application, APPLICATION_AUDITED_FIELDS),
        organization_id=organization.pk,
    )
    confidential = client_type == Application.CLIENT_CONFIDENTIAL
    return CreatedApplication(application=application, client_secret=plaintext if confidential else None)


@transaction.atomic
def application_update(*, actor: Actor, application: Application, data: dict[str, Any]) -> Application:
    """Change an application. Turning a public client confidential issues a new secret, which
    is set on `issued_client_secret` for the one response that shows it: the secret generated
    at creation was never shown to anyone."""
    becomes_confidential = (
        application.client_type == Application.CLIENT_PUBLIC
        and data.get("client_type") == Application.CLIENT_CONFIDENTIAL
    )
    with recorder.recording_update(
        actor=actor,
        obj=application,
        fields=APPLICATION_AUDITED_FIELDS,
        organization_id=application.organization_id,
    ) as notes:
        for name, value in data.items():
            setattr(application, name, value)
        plaintext = None
        if becomes_confidential:
            plaintext = generate_client_secret()
            application.client_secret = plaintext
            notes["client_secret"] = "regenerated"  # recorded as "hidden": never the value
        _save_with_unique_name(application)
    if plaintext is not None:
        application.issued_client_secret = plaintext
    return application


@transaction.atomic
def application_delete(*, actor: Actor, application: Application) -> None:
    """Delete an application together with its tokens, which stop authenticating at once."""
    application_deleting.send(sender=Application, actor=actor, application=application)
    recorder.record(
        actor=actor,
        operation="delete",
        obj=application,
        changes={"name": application.name},
        organization_id=application.organization_id,
    )
    # Tokens, refresh tokens and grants go with it (on_delete=CASCADE).
    application.delete()
