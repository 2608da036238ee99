"""/api/v2/ routes for OAuth2 applications. A user id may also be a username."""

from django.urls import path

from . import views

urlpatterns = [
    path("applications/", views.ApplicationList.as_view(), name="application_list"),
    path("applications/<int:pk>/", views.ApplicationDetail.as_view(), name="application_detail"),
    path(
        "organizations/<int:pk>/applications/",
        views.OrganizationApplications.as_view(),
        name="organization_applications",
    ),
    path(
        "applications/<int:pk>/activity_stream/",
        views.ApplicationActivityStream.as_view(),
        name="application_activity_stream",
    ),
    path("users/<str:pk>/applications/", views.UserApplications.as_view(), name="user_applications"),
]
