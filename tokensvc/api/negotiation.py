"""Content negotiation that answers the common requests without parsing an Accept header."""

from rest_framework.negotiation import DefaultContentNegotiation

# What API clients send (or nothing): each means the first renderer, JSON, as DRF would decide.
PLAIN_ACCEPT = frozenset({"", "*/*", "application/json"})


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "")
        first = renderers[0] if renderers else None
        if (
            first is not None
            and format_suffix is None
            and accept in PLAIN_ACCEPT
            and (accept != "application/json" or first.media_type == accept)
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
