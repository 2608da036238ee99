"""The token scope mask: what the request's credential allows, whatever RBAC would allow.

A token scope is a space-separated set of `read` and `write`; `write` implies `read`.
Sessions and HTTP Basic requests carry no token and are not masked.
"""

READ = "read"
WRITE = "write"
ALLOWED_SCOPES = (READ, WRITE)

# Actions a read scope permits. Everything else needs `write`. `view_member_tokens`: an
# organization admin listing the members' personal access tokens (the token admin API).
READ_ACTIONS = frozenset({"view", "view_member_tokens"})

SCOPE_FORMAT_MESSAGE = f"Must be a simple space-separated string with allowed scopes {list(ALLOWED_SCOPES)}."


def is_valid_scope(value: object) -> bool:
    """True for a non-empty space-separated string of known scopes without duplicates."""
    if not isinstance(value, str) or value != value.strip() or "  " in value:
        return False
    words = value.split(" ")
    return bool(value) and len(words) == len(set(words)) and all(word in ALLOWED_SCOPES for word in words)


def _scope(auth: object) -> str | None:
    """The credential's scope string; None for no credential or one that carries no scope."""
    scope: str | None = getattr(auth, "scope", None)
    return scope


def granted(auth: object) -> frozenset[str] | None:
    """The scopes a credential grants, with `write` implying `read`; None when unmasked."""
    scope = _scope(auth)
    if auth is None or scope is None:
        return None
    words = set(scope.split())
    if WRITE in words:
        words.add(READ)
    return frozenset(words)


def denial(auth: object, action: str) -> str | None:
    """Why the credential may not perform `action`, or None when the mask lets it through."""
    scopes = granted(auth)
    if scopes is None:
        return None
    needed = READ if action in READ_ACTIONS else WRITE
    if needed in scopes:
        return None
    return f"This action requires the '{needed}' scope; this token has '{_scope(auth)}'."


def required_scope(action: str) -> str:
    return READ if action in READ_ACTIONS else WRITE
