"""Client secrets are hashed with a keyed HMAC-SHA256: fast, and sound for long random values.

A password needs a slow hash because people choose guessable ones. A client secret is ~128
random characters (oauth2_provider.generators): nobody can guess it, so a slow hash only
makes every refresh, code exchange and introspection by a confidential client cost what a
password sign-in costs. The HMAC key is derived from SECRET_KEY (a leaked table alone does
not allow checking guesses offline); secrets hashed under an older key still verify while
that key is in SECRET_KEY_FALLBACKS. A secret stored with another hasher (the password
hashers hashed them before) is rehashed with this one on its next successful check.
"""

import hmac
from hashlib import sha256

from django.conf import settings
from django.contrib.auth.hashers import BasePasswordHasher, identify_hasher, make_password, mask_hash
from django.utils.crypto import constant_time_compare

ALGORITHM = "hmac_sha256_client_secret"
KEY_PURPOSE = b"tokensvc.applications.client-secret"


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), KEY_PURPOSE, sha256).digest()


class ClientSecretHasher(BasePasswordHasher):
    """Listed last in PASSWORD_HASHERS, so that no user password is ever made with it."""

    algorithm = ALGORITHM

    def _digest(self, secret: str, salt: str, secret_key: str) -> str:
        return hmac.new(_key(secret_key), f"{salt}${secret}".encode(), sha256).hexdigest()

    def encode(self, password, salt):
        self._check_encode_args(password, salt)
        return f"{self.algorithm}${salt}${self._digest(password, salt, settings.SECRET_KEY)}"

    def decode(self, encoded):
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        # Every key is tried, so the time taken does not tell which one matched.
        matches = [constant_time_compare(decoded["hash"], self._digest(password, decoded["salt"], key)) for key in keys]
        return any(matches)

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"]),
            "hash": mask_hash(decoded["hash"]),
        }

    def harden_runtime(self, password, encoded):
        pass  # nothing to even out: every secret takes one HMAC

    def must_update(self, encoded):
        return False


def hash_client_secret(secret: str) -> str:
    return make_password(secret, hasher=ALGORITHM)


def check_client_secret(provided: str, stored: str) -> bool:
    """`provided` against a stored client secret; a match stored with another hasher is rehashed with ours.

    A secret kept in plain text (an application with hash_client_secret off) is compared as is.
    """
    try:
        hasher = identify_hasher(stored)
    except ValueError:
        return constant_time_compare(provided, stored)
    if not hasher.verify(provided, stored):
        return False
    if hasher.algorithm != ALGORITHM:
        from .models import Application

        # Conditional on the old hash: of concurrent checks, one rewrites it and the rest match nothing.
        Application.objects.filter(client_secret=stored).update(client_secret=hash_client_secret(provided))
    return True
