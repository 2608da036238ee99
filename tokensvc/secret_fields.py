"""Names of the fields that hold secrets: never filtered or sorted on, and never recorded."""

SECRET_FIELDS = frozenset(
    {
        "password",
        "current_password",
        "token",
        "token_checksum",
        "refresh_token",
        "client_secret",
        "code",
        "code_challenge",
        "code_verifier",
        "_raw_token",
    }
)
