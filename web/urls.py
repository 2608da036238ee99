"""Routes of the web pages, mounted at `/`."""

from django.urls import path

from .views import account, organizations, tokens

app_name = "web"

urlpatterns = [
    path("", tokens.TokenList.as_view(), name="tokens"),
    path("signin/", account.SignIn.as_view(), name="signin"),
    path("signout/", account.SignOut.as_view(), name="signout"),
    path("tokens/new/", tokens.TokenCreate.as_view(), name="token_create"),
    path("tokens/<int:pk>/", tokens.TokenDetail.as_view(), name="token"),
    path("tokens/<int:pk>/rename/", tokens.TokenRename.as_view(), name="token_rename"),
    path("tokens/<int:pk>/renew/", tokens.TokenRenew.as_view(), name="token_renew"),
    path("tokens/<int:pk>/rotate/", tokens.TokenRotate.as_view(), name="token_rotate"),
    path("tokens/<int:pk>/revoke/", tokens.TokenRevoke.as_view(), name="token_revoke"),
    path("organizations/", organizations.OrganizationList.as_view(), name="organizations"),
    path("organizations/<int:pk>/applications/", organizations.OrganizationApplications.as_view(), name="applications"),
    path(
        "organizations/<int:pk>/applications/new/",
        organizations.ApplicationCreate.as_view(),
        name="application_create",
    ),
    path("organizations/<int:pk>/tokens/", organizations.OrganizationTokens.as_view(), name="organization_tokens"),
    path("organizations/<int:pk>/policy/", organizations.OrganizationPolicy.as_view(), name="policy"),
    path("applications/<int:pk>/edit/", organizations.ApplicationEdit.as_view(), name="application_edit"),
    path("applications/<int:pk>/delete/", organizations.ApplicationDelete.as_view(), name="application_delete"),
]
