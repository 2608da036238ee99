"""Access tokens, refresh tokens and personal access tokens."""
