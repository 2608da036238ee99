"""URL configuration: /api/ roots, /api/v2/ resources, /api/o/ OAuth2 endpoints, login."""

from django.urls import include, path

from oauth import views as oauth_views

from . import activity_api, settings_api, views

v2 = [
    path("", views.ApiV2Root.as_view(), name="api_v2_root"),
    path("ping/", views.Ping.as_view(), name="ping"),
    path("settings/", settings_api.SettingsRoot.as_view(), name="settings_root"),
    path("settings/authentication/", settings_api.AuthenticationSettings.as_view(), name="settings_authentication"),
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
    path("api/o/", include("oauth.urls")),
    path(
        ".well-known/oauth-authorization-server",
        oauth_views.MetadataView.as_view(),
        name="oauth_authorization_server_metadata",
    ),
    path("api/", include("rest_framework.urls")),
]

# What Django answers itself (a body or field count over its limits, an unknown path, a
# crash) is JSON too, shaped like every other error of the route (tokensvc/errors.py).
handler400 = "tokensvc.errors.bad_request"
handler403 = "tokensvc.errors.permission_denied"
handler404 = "tokensvc.errors.page_not_found"
handler500 = "tokensvc.errors.server_error"
