"""Password sign-in, for local accounts only."""

from django.contrib.auth.backends import ModelBackend


class LocalPasswordBackend(ModelBackend):
    """Django's username and password check, refusing accounts of an external provider.

    An account with `external_account` signs in only through its provider, so that disabling
    it there locks it out here. The password is still checked first (same timing for every
    account), and a stored usable hash changes nothing: HTTP Basic, /api/login/ and the
    OAuth2 password grant all come through here and all refuse such an account, and a
    session opened by this backend stops authenticating if its account is external.
    """

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not getattr(user, "external_account", None)
