"""The one permission class every API view uses: authentication, the scope mask and the policy."""

from rest_framework import exceptions, permissions

from .access import check
from .scopes import required_scope

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


def enforce(request, action: str, model=None, obj=None, data=None) -> None:
    """Raise the right 403 unless `check()` allows the action."""
    decision = check(request, action, model, obj, data)
    if decision:
        return
    if decision.insufficient_scope:
        raise InsufficientScope(decision.reason, required_scope(action))
    raise exceptions.PermissionDenied(decision.reason or exceptions.PermissionDenied.default_detail)


class AccessPermission(permissions.BasePermission):
    """Views declare `access_model` and optionally `access_action(request)`; nothing else decides."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            if getattr(view, "allow_anonymous", False) and request.method in permissions.SAFE_METHODS:
                return True
            raise exceptions.NotAuthenticated()
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
