"""The dialect's error bodies: the service-wide shape, and the lifecycle API's `patTokenError` shape.

Every error is JSON with a `message` (the dialect's clients raise it as the error's text)
and a `typeKey` naming the kind of failure. The PAT lifecycle operations answer their own
failures as `{"patToken": null, "patTokenError": <value>, "patTokenErrorMessage": ...}`
with the values of PatTokenError.
"""

from enum import StrEnum

from rest_framework import exceptions, status
from rest_framework.response import Response

from tokensvc import outage
from tokensvc.api.permissions import InsufficientScope

from .versions import VersionError


class PatTokenError(StrEnum):
    NONE = "none"
    INVALID_DISPLAY_NAME = "invalidDisplayName"
    INVALID_VALID_TO = "invalidValidTo"
    INVALID_SCOPE = "invalidScope"
    INVALID_AUTHORIZATION_ID = "invalidAuthorizationId"
    AUTHORIZATION_NOT_FOUND = "authorizationNotFound"
    PAT_LIFESPAN_POLICY_VIOLATION = "patLifespanPolicyViolation"
    GLOBAL_PAT_POLICY_VIOLATION = "globalPatPolicyViolation"
    FULL_SCOPE_PAT_POLICY_VIOLATION = "fullScopePatPolicyViolation"
    ACCESS_DENIED = "accessDenied"


class PatError(Exception):
    """A lifecycle operation's failure, answered in the `patTokenError` shape."""

    def __init__(self, error: PatTokenError, message: str, status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(message)
        self.error, self.message, self.status_code = error, message, status_code


def pat_error_response(error: PatError) -> Response:
    body = {"patToken": None, "patTokenError": str(error.error), "patTokenErrorMessage": error.message}
    return Response(body, status=error.status_code)


def error_body(message: str, type_key: str) -> dict[str, object]:
    """The service-wide error shape: what the dialect's clients read (`message`, `typeKey`)."""
    return {
        "$id": "1",
        "innerException": None,
        "message": message,
        "typeName": type_key,
        "typeKey": type_key,
        "errorCode": 0,
        "eventId": 3000,
    }


def _message(detail: object) -> str:
    """One readable line from a DRF error detail (a string, a list or a dict of them)."""
    if isinstance(detail, dict):
        return "; ".join(f"{name}: {_message(value)}" for name, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_message(item) for item in detail)
    return str(detail)


_TYPE_KEYS = {
    status.HTTP_400_BAD_REQUEST: "InvalidArgumentValueException",
    status.HTTP_401_UNAUTHORIZED: "UnauthorizedRequestException",
    status.HTTP_403_FORBIDDEN: "AccessCheckException",
    status.HTTP_404_NOT_FOUND: "NotFoundException",
    status.HTTP_405_METHOD_NOT_ALLOWED: "MethodNotAllowedException",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "UnsupportedMediaTypeException",
}


def refusal_body(status_code: int, message: str) -> dict[str, object]:
    """A refusal made before the dialect's views (by the middleware or Django itself), in the dialect's shape."""
    return error_body(message, _TYPE_KEYS.get(status_code, "VssServiceException"))


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every failure of a dialect view, as JSON in the dialect's shapes; unknown exceptions propagate (500)."""
    if isinstance(exc, PatError):
        return pat_error_response(exc)
    if outage.is_unavailable(exc):
        response = Response(error_body(outage.MESSAGE, "ServiceUnavailableException"), status=503)
        response["Retry-After"] = str(outage.RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    if isinstance(exc, VersionError):
        return Response(error_body(str(exc), "VssVersionNotSupportedException"), status=status.HTTP_400_BAD_REQUEST)
    if not isinstance(exc, exceptions.APIException):
        return None
    code = exc.status_code
    response = Response(error_body(_message(exc.detail), _TYPE_KEYS.get(code, "VssServiceException")), status=code)
    if code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    if isinstance(exc, InsufficientScope):
        response["WWW-Authenticate"] = f'Bearer realm="api", error="insufficient_scope", scope="{exc.scope}"'
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        response["Retry-After"] = str(int(wait))
    return response
