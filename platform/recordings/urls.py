from django.urls import path

from recordings import views

app_name = "recordings"
urlpatterns = [
    path("c/<slug:slug>/recordings/", views.recordings_page, name="page"),
    path("c/<slug:slug>/recordings/policy/", views.policy, name="policy"),
    path("c/<slug:slug>/recordings/<int:pk>.webm", views.media, {"disposition": "inline"}, name="play"),
    path("c/<slug:slug>/recordings/<int:pk>/download/", views.media, {"disposition": "attachment"}, name="download"),
]
