"""/api/v2/ routes for access tokens. A user id may also be a username."""

from django.urls import path

import users.urls  # noqa: F401  (registers the user_ref converter used below)

from . import bulk_views, leak_views, views

urlpatterns = [
    path("tokens/", views.TokenList.as_view(), name="token_list"),
    path("credentials/revoke/", leak_views.CredentialsRevoke.as_view(), name="credentials_revoke"),
    path("tokens/<int:pk>/", views.TokenDetail.as_view(), name="token_detail"),
    path("tokens/<int:pk>/rotate/", views.TokenRotate.as_view(), name="token_rotate"),
    path("tokens/<int:pk>/activity_stream/", views.TokenActivityStream.as_view(), name="token_activity_stream"),
    path(
        "organizations/<int:pk>/token_policy/",
        views.OrganizationTokenPolicyDetail.as_view(),
        name="organization_token_policy",
    ),
    path("applications/<int:pk>/tokens/", views.ApplicationTokens.as_view(), name="application_tokens"),
    path("users/<user_ref:pk>/tokens/", views.UserTokens.as_view(), name="user_tokens"),
    path("users/<user_ref:pk>/tokens/revoke/", bulk_views.UserTokensRevoke.as_view(), name="user_tokens_revoke"),
    path("users/<user_ref:pk>/personal_tokens/", views.UserPersonalTokens.as_view(), name="user_personal_tokens"),
    path("users/<user_ref:pk>/authorized_tokens/", views.UserAuthorizedTokens.as_view(), name="user_authorized_tokens"),
]
