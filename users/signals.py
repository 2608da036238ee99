"""What happens to users that other apps may need to answer, sent inside the transaction that does it."""

from django.dispatch import Signal

# Sent by `services.user_update` with `actor` and `user` when an active user is deactivated,
# in the same transaction: whatever a receiver writes commits or rolls back with it.
user_deactivated = Signal()
