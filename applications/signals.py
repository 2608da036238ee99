"""What happens to applications that other apps may need to answer, sent inside the transaction that does it."""

from django.dispatch import Signal

# Sent by `services.application_delete` with `actor` and `application` just before the
# application is deleted, in the same transaction, while its tokens can still be read.
application_deleting = Signal()
