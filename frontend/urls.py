from django.urls import path

from frontend import views

urlpatterns = [
    path("c/<slug:slug>/live/", views.live, name="live"),
]
