"""The OAuth2 protocol glue: bearer authentication, validator and /api/o/ views."""
