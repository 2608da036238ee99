"""Reporting leaked tokens: POST /api/v2/credentials/revoke/, open to anyone, rate-limited per address.

Whoever finds a token value where it should not be (a secret scanner, a person reading a
paste) sends it here and it stops working. The answer is the same 202 whatever was sent,
so the endpoint tells nobody which values were tokens, or live ones.

The view authenticates nobody (`authentication_classes = []`): credentials play no part in
a report, so a Bearer header holding a revoked or mistyped value (perhaps the very token
being reported) must not turn the report into a 401, and a browser session is never read.
With no session read there is no CSRF check to pass and nothing for a cross-site request to
borrow: it could only do what any caller may do directly, and the JSON-only parser already
refuses the bodies an HTML form can send without a CORS preflight (415).
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tokensvc import tokenformat
from tokensvc.addresses import client_address
from tokensvc.api.parsers import JSONParser
from tokensvc.api.throttles import AddressRateThrottle
from tokensvc.limits import REPORTED_TOKENS_MAX, REPORTED_VALUE_MAX_LENGTH

from . import services

RECEIVED_MESSAGE = (
    "Thank you. Every value that is a live token of this service has been revoked and its owner notified."
)
USAGE_MESSAGE = (
    'POST {"tokens": [...]} with up to 1000 values found where they should not be; '
    "the live tokens among them are revoked. No credentials are needed."
)


class TokenValueField(serializers.CharField):
    """A reported value: text only (DRF would turn 12 into "12"), no NUL, bounded length."""

    default_error_messages = {"invalid": "Not a string: each reported value must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class LeakReportSerializer(serializers.Serializer):
    """The values reported; any other field is refused, so a misspelt `tokens` is not a silent no-op."""

    tokens = serializers.ListField(
        child=TokenValueField(max_length=REPORTED_VALUE_MAX_LENGTH, allow_blank=True),
        allow_empty=False,
        min_length=1,
        max_length=REPORTED_TOKENS_MAX,
        help_text=(
            f"1 to {REPORTED_TOKENS_MAX} values, each a string of at most {REPORTED_VALUE_MAX_LENGTH} "
            "characters. Values that are not in the token format are ignored."
        ),
    )

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(str(key) for key in data if key != "tokens")
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field: send only `tokens`."] for key in unknown})
        return super().to_internal_value(data)


LeakReportReceived = inline_serializer(
    "LeakReportReceived",
    {
        "detail": serializers.CharField(),
        "received": serializers.IntegerField(help_text="How many values the report held, valid or not."),
    },
)
LeakReportUsage = inline_serializer(
    "LeakReportUsage",
    {
        "detail": serializers.CharField(),
        "max_tokens": serializers.IntegerField(),
        "access_token_pattern": serializers.CharField(),
        "refresh_token_pattern": serializers.CharField(),
    },
)


class CredentialsRevoke(APIView):
    """Report leaked token values; every live token among them is revoked (anyone may call, no credentials).

    Personal access tokens and application tokens are revoked with their refresh tokens; a
    refresh token with its access token and the rest of its family. Its owner is emailed,
    and the activity stream records each revocation with the reporter's address, never a
    value. The answer is the same 202 whatever the values were; values not in the token
    format are ignored. Reports are limited per client address (429 with `Retry-After`).
    """

    access_public = True
    access_public_methods = ("POST",)
    authentication_classes: list = []
    parser_classes = [JSONParser]
    throttle_classes = [AddressRateThrottle]
    throttle_scope = "credentials_revoke"
    throttle_methods = ("POST",)
    serializer_class = LeakReportSerializer
    view_name = "Report leaked tokens"

    def get_serializer(self, *args, **kwargs):
        # For the browsable API's form.
        return self.serializer_class(*args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Whatever the answer (202, 400, 429), no cache keeps it.
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(responses={200: LeakReportUsage})
    def get(self, request):
        return Response(
            {
                "detail": USAGE_MESSAGE,
                "max_tokens": REPORTED_TOKENS_MAX,
                "access_token_pattern": tokenformat.ACCESS_TOKEN_PATTERN,
                "refresh_token_pattern": tokenformat.REFRESH_TOKEN_PATTERN,
            }
        )

    @extend_schema(request=LeakReportSerializer, responses={202: LeakReportReceived})
    def post(self, request):
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data["tokens"]
        services.revoke_reported(values=values, reporter_address=client_address(request))
        return Response({"detail": RECEIVED_MESSAGE, "received": len(values)}, status=status.HTTP_202_ACCEPTED)
