"""Access policies for OAuth2 applications."""
