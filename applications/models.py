"""The OAuth2 application: the server-side record of one API client, owned by an organization."""

from django.db import models
from oauth2_provider.models import AbstractApplication


class Application(AbstractApplication):
    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="applications")
    description = models.TextField(blank=True, default="")
    modified = models.DateTimeField(auto_now=True)
    # Set by a superuser only (applications/access.py): such a client may introspect tokens
    # issued to others at /api/o/introspect/; any other client only its own.
    is_resource_server = models.BooleanField(
        default=False,
        help_text="May introspect any token at /api/o/introspect/, not only the tokens issued to this application.",
    )

    # Not a field: the plaintext secret issued by an update that made the client confidential,
    # set by applications.services.application_update for the one response that shows it.
    issued_client_secret: str | None

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_application_name_per_org"),
        ]

    def __str__(self):
        return self.name or f"Application #{self.pk}"
