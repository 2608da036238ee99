"""Routes of the activity stream under /api/v2/; the entries about one object are mounted by its app."""

from django.urls import path

from . import views

urlpatterns = [
    path("activity_stream/", views.ActivityStreamList.as_view(), name="activity_stream_list"),
    path("activity_stream/<int:pk>/", views.ActivityStreamDetail.as_view(), name="activity_stream_detail"),
]
