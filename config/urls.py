from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("signaling.urls")),
    path("", include("surveys.urls")),
    path("", include("frontend.urls")),
    path("", include("action_items.urls")),
    path("", include("reports.urls")),
    path("", include("captions.urls")),
    path("", include("recordings.urls")),
    path("", include("mail.urls")),
    path("", include("certificates.urls")),
    path("", include("organizer.urls")),
    path("", include("registration.urls")),
    path("", include("rooms.urls")),
    path("", include("convenings.urls")),
]
