"""The DRF adapter of the access core: the one permission class every API view uses, and `enforce()`.

Both ask `tokensvc.access` and turn a refusing `Decision` into a 403: `InsufficientScope` when
the token's scope refused it, `PermissionDenied` when the policy did.
"""

from rest_framework import exceptions, permissions

from tokensvc.access import Decision, check, check_scope

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class InsufficientScope(exceptions.PermissionDenied):
    """403 because the token's scope, not the user's role, forbids the action."""

    def __init__(self, detail, scope):
        super().__init__(detail)
        self.scope = scope


NO_ACCESS_MODEL_MESSAGE = "This view is bound to no access policy."


def raise_unless(decision: Decision) -> None:
    """Nothing when `decision` allows; else the 403 that says why."""
    if decision:
        return
    if decision.insufficient_scope:
        raise InsufficientScope(decision.reason, decision.scope)
    raise exceptions.PermissionDenied(decision.reason or exceptions.PermissionDenied.default_detail)


def enforce(request, action: str, model=None, obj=None, data=None) -> None:
    """Raise the right 403 unless `check()` allows the action; with no model, only the scope mask runs."""
    raise_unless(check(request, action, model, obj, data) if model is not None else check_scope(request, action))


def anonymous_write_methods(view) -> frozenset[str]:
    """The unsafe methods a public view answers to anyone: those it names in `access_public_methods`.

    Nothing else opens a write to anonymous callers. A view that is not public, or that is
    bound to an access model, opens none, whatever it names.
    """
    if getattr(view, "access_public", False) is not True or getattr(view, "access_model", None) is not None:
        return frozenset()
    named = frozenset(method.upper() for method in getattr(view, "access_public_methods", ()))
    return named - frozenset(permissions.SAFE_METHODS)


class AccessPermission(permissions.BasePermission):
    """Views declare `access_model` and optionally `access_action(request)`; nothing else decides.

    A view with no access model is refused unless it says `access_public = True`: then it
    answers anyone, signed in or not, for safe methods, and anything else only to a signed-in
    user whose token scope allows it, except the unsafe methods it names in
    `access_public_methods`, which it answers to anyone alike: credentials play no part in
    them (such a view should authenticate nobody, `authentication_classes = []`).
    """

    def has_permission(self, request, view):
        public = getattr(view, "access_public", False)
        anyones = anonymous_write_methods(view)
        if request.method in anyones or (anyones and not method_is_mapped(request, view)):
            # Such a view reads no credentials, so a 401 could not be answered by sending some:
            # a method it does not take is a 405.
            return True
        if not (request.user and request.user.is_authenticated):
            if public and request.method in permissions.SAFE_METHODS:
                return True
            raise exceptions.NotAuthenticated()
        if getattr(view, "access_model", None) is None and not public:
            # Forgetting to bind a view to a policy must close it, not open it to every user.
            raise exceptions.PermissionDenied(NO_ACCESS_MODEL_MESSAGE)
        if not method_is_mapped(request, view):
            # Nothing would run: let the view answer 405 instead of a misleading 403.
            return True
        action = view_action(request, view)
        # Detail and nested views decide on an object (the target, or the parent) once they
        # have it; here only the mask runs for them.
        model = None if getattr(view, "object_scoped", False) else getattr(view, "access_model", None)
        enforce(request, action, model, data=None)
        return True

    def has_object_permission(self, request, view, obj):
        action = view_action(request, view)
        # Objects reach here through get_object(), from the policy's visible() queryset: seeing
        # them is decided already (asking can_view again would cost a query per detail GET),
        # and only the scope mask is left for reads.
        model = None if action == "view" else obj._meta.model
        enforce(request, action, model, obj)
        return True


def method_is_mapped(request, view) -> bool:
    method = request.method.lower()
    return method in view.http_method_names and hasattr(view, method)


def view_action(request, view) -> str:
    custom = getattr(view, "access_action", None)
    if callable(custom):
        action = custom(request)
        if action:
            return action
    return METHOD_ACTIONS.get(request.method, "change")
