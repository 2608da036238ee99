"""Runtime settings over the API: serializers, views and routes."""
