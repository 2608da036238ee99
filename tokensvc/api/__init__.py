"""Cross-cutting API plumbing shared by every app: access, scopes, views, serializers."""
