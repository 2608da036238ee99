"""URL configuration: /api/ roots, /api/v2/ resources, /api/o/ OAuth2 endpoints, login."""

from django.urls import include, path

from oauth import views as oauth_views

from . import views

v2 = [
    path("", views.ApiV2Root.as_view(), name="api_v2_root"),
    path("ping/", views.Ping.as_view(), name="ping"),
    path("", include("config.api.urls")),
    path("", include("users.urls")),
    path("", include("tokens.urls")),
    path("", include("applications.urls")),
    path("", include("activity.api.urls")),
]

urlpatterns = [
    path("api/", views.ApiRoot.as_view(), name="api_root"),
    path("api/v2/", include(v2)),
    path("api/o/", include("oauth.urls")),
    path(
        ".well-known/oauth-authorization-server",
        oauth_views.MetadataView.as_view(),
        name="oauth_authorization_server_metadata",
    ),
    path("api/", include("rest_framework.urls")),
]
