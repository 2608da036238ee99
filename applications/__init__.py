"""OAuth2 applications (the swapped django-oauth-toolkit Application model)."""
