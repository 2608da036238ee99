"""URL configuration: /api/ roots, /api/v2/ resources, /api/o/ OAuth2 endpoints, login."""

from django.conf import settings
from django.urls import include, path

from oauth import views as oauth_views

from . import signin, views
from .openapi import views as openapi_views

v2 = [
    path("", views.ApiV2Root.as_view(), name="api_v2_root"),
    path("ping/", views.Ping.as_view(), name="ping"),
    path("schema/", openapi_views.Schema.as_view(), name="api_schema"),
    path("docs/", openapi_views.SwaggerUI.as_view(), name="api_docs"),
    path("redoc/", openapi_views.ReDoc.as_view(), name="api_redoc"),
    path("", include("config.api.urls")),
    path("", include("users.urls")),
    path("", include("tokens.urls")),
    path("", include("applications.urls")),
    path("", include("activity.api.urls")),
    *(
        path(f"{name}/", views.ResourceNotKept.as_view(), name=f"{name}_not_kept")
        for name in views.TOWER_RESOURCES_NOT_KEPT
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
    # The browsable API's sign-in page, limited like every password check; DRF's logout below.
    path("api/login/", signin.ApiLogin.as_view(), name="api_login"),
    path("api/", include("rest_framework.urls")),
    # The web pages for people (sign in, tokens, organizations) at the root.
    path("", include("web.urls")),
    # The PAT lifecycle dialect, below an organization's name (last: any first segment matches).
    path("", include("pats.urls")),
]

if settings.BENCHMARK:
    # The benchmark's own routes (bench/urls.py), first so that the dialect's catch-all misses them.
    urlpatterns.insert(0, path("bench/", include("bench.urls")))

# What Django answers itself (a body or field count over its limits, an unknown path, a
# crash) is JSON too, shaped like every other error of the route (tokensvc/errors.py).
handler400 = "tokensvc.errors.bad_request"
handler403 = "tokensvc.errors.permission_denied"
handler404 = "tokensvc.errors.page_not_found"
handler500 = "tokensvc.errors.server_error"
