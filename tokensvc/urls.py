"""URL configuration: /api/ roots, /api/v2/ resources, /api/o/ OAuth2 endpoints, login."""

from django.urls import include, path

from . import activity_api, views

v2 = [
    path("", views.ApiV2Root.as_view(), name="api_v2_root"),
    path("ping/", views.Ping.as_view(), name="ping"),
    path("", include("users.urls")),
    path("", include("tokens.urls")),
    path("", include("applications.urls")),
    path("activity_stream/", activity_api.ActivityStreamList.as_view(), name="activity_stream_list"),
    path("activity_stream/<int:pk>/", activity_api.ActivityStreamDetail.as_view(), name="activity_stream_detail"),
    path(
        "applications/<int:pk>/activity_stream/",
        activity_api.ApplicationActivityStream.as_view(),
        name="application_activity_stream",
    ),
    path(
        "tokens/<int:pk>/activity_stream/",
        activity_api.TokenActivityStream.as_view(),
        name="token_activity_stream",
    ),
]

urlpatterns = [
    path("api/", views.ApiRoot.as_view(), name="api_root"),
    path("api/v2/", include(v2)),
    path("api/", include("rest_framework.urls")),
]
