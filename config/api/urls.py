"""Routes of the runtime settings under /api/v2/."""

from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.SettingsRoot.as_view(), name="settings_root"),
    path("settings/authentication/", views.AuthenticationSettings.as_view(), name="settings_authentication"),
]
