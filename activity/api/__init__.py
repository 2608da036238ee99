"""The activity stream over the API: its serializer, read-only views and routes."""
