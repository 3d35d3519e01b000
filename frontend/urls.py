from django.urls import path

from frontend import views

urlpatterns = [
    path("c/<slug:slug>/live/", views.live, name="live"),
    # Browsers ask for /favicon.ico on every page; answer with Convene's icon.
    path("favicon.ico", views.favicon),
]
