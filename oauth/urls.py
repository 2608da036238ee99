"""Routes of /api/o/ (namespace `oauth2_provider`, the name the toolkit reverses)."""

from django.urls import path

from . import views

app_name = "oauth2_provider"

urlpatterns = [
    path("", views.OAuthRoot.as_view(), name="root"),
    path("authorize/", views.AuthorizationView.as_view(), name="authorize"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
    # The spelling Tower's documentation also uses.
    path("revoke-token/", views.RevokeTokenView.as_view(), name="revoke-token-alias"),
    path("introspect/", views.IntrospectView.as_view(), name="introspect"),
]
