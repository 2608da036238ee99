"""The access core, without DRF: the registry of policies, `Decision`, `check()`, `visible()` and the scope mask.

Any caller asks here, whatever its dialect: `check(actor, action, model, obj, data)` and
`visible(actor, model)`, where the actor is an `Actor(user, credential)` or a request with
`.user` (and `.auth`, the access token that authenticated it, if any). This package imports
no app and nothing of rest_framework; the apps register their policies into it.
"""

from . import scopes
from .core import Actor, BaseAccess, Decision, check, check_scope, policy_for, visible
from .registry import register, registered

__all__ = [
    "Actor",
    "BaseAccess",
    "Decision",
    "check",
    "check_scope",
    "policy_for",
    "register",
    "registered",
    "scopes",
    "visible",
]
