"""The oauthlib server for /api/o/, with token lifetimes read from the runtime settings per request.

django-oauth-toolkit builds its server once per process and hands it a fixed
`token_expires_in`; oauthlib also accepts a callable, so the lifetime is looked up in the
database each time a token is minted and a change made through the settings API applies
to the next request in every process. An access token's lifetime is the token policy's
(tokens/policy.py), the same an application token created through /api/v2/ gets.
"""

from oauthlib.oauth2 import Server as OAuthlibServer

from config import runtime
from tokens import policy


def access_token_lifetime(request=None) -> int:
    return int(policy.default_lifetime(personal=False))


def refresh_token_lifetime() -> int:
    return int(runtime.get("REFRESH_TOKEN_EXPIRE_SECONDS"))


def authorization_code_lifetime() -> int:
    return int(runtime.get("AUTHORIZATION_CODE_EXPIRE_SECONDS"))


class Server(OAuthlibServer):
    """oauthlib's all-grants server whose access-token lifetime is always the runtime value."""

    def __init__(self, request_validator, token_expires_in=None, *args, **kwargs):
        # The configured number is only the default of the runtime setting; ignore it here.
        super().__init__(request_validator, access_token_lifetime, *args, **kwargs)
