"""One exception handler: consistent JSON errors, RFC 6750 challenges, and no 500 for bad input."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from tokensvc import throttling

from .lockouts import too_many_failures
from .permissions import InsufficientScope

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, throttling.LockedOut):
        exc = too_many_failures(exc.lockout)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, InsufficientScope):
        response["WWW-Authenticate"] = f'Bearer realm="api", error="insufficient_scope", scope="{exc.scope}"'
    if isinstance(exc, exceptions.ParseError):
        response.data = {"detail": f"Malformed request body: {exc.detail}"}
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
