from django.urls import path

from convenings import views

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.convening_detail, name="convening"),
    path("join/<str:token>/", views.join, name="join"),
]
