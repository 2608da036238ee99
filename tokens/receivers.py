"""How tokens answer what happens to users and applications; connected by TokensConfig.ready()."""

from django.dispatch import receiver

from applications.signals import application_deleting
from users.signals import user_deactivated

from . import services

DEACTIVATION_REASON = "user deactivated"


@receiver(user_deactivated, dispatch_uid="tokens.revoke_on_deactivation")
def revoke_on_deactivation(sender, *, actor, user, **kwargs):
    # A deactivated account keeps no credential that could outlive a reactivation.
    services.user_tokens_revoke(actor=actor, user=user, reason=DEACTIVATION_REASON)


@receiver(application_deleting, dispatch_uid="tokens.record_application_tokens")
def record_application_tokens(sender, *, actor, application, **kwargs):
    services.application_tokens_delete(actor=actor, application=application)
