"""/api/v2/ routes for users and organizations. A user id may also be a username."""

from django.urls import path, register_converter

from . import views


class UserRefConverter:
    """An id or a username in a URL (Tower clients use both)."""

    regex = r"[^/]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


register_converter(UserRefConverter, "user_ref")

urlpatterns = [
    path("me/", views.Me.as_view(), name="me"),
    path("users/", views.UserList.as_view(), name="user_list"),
    path("users/<user_ref:pk>/", views.UserDetail.as_view(), name="user_detail"),
    path("users/<user_ref:pk>/organizations/", views.UserOrganizations.as_view(), name="user_organizations"),
    path(
        "users/<user_ref:pk>/admin_of_organizations/",
        views.UserAdminOfOrganizations.as_view(),
        name="user_admin_of_organizations",
    ),
    path("organizations/", views.OrganizationList.as_view(), name="organization_list"),
    path("organizations/<int:pk>/", views.OrganizationDetail.as_view(), name="organization_detail"),
    path("organizations/<int:pk>/users/", views.OrganizationRoleUsers.as_view(), name="organization_users"),
    path("organizations/<int:pk>/admins/", views.OrganizationAdmins.as_view(), name="organization_admins"),
    path("organizations/<int:pk>/auditors/", views.OrganizationAuditors.as_view(), name="organization_auditors"),
]
