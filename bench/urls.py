"""Routes mounted under /bench/ only with BENCHMARK=true: the ceiling and the stock-authentication twin of /me/."""

from django.http import JsonResponse
from django.urls import path
from oauth2_provider.contrib.rest_framework import OAuth2Authentication

from users.views import Me


def ceiling(request):
    """What the server can answer at best: no authentication, no database, a small JSON body."""
    return JsonResponse({"ok": True})


class StockMe(Me):
    """GET /api/v2/me/ authenticated by the toolkit's stock DRF class instead of ours."""

    authentication_classes = [OAuth2Authentication]


urlpatterns = [
    path("ceiling/", ceiling, name="bench_ceiling"),
    path("stock/me/", StockMe.as_view(), name="bench_stock_me"),
]
