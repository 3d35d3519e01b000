from django.urls import path

from captions import views

app_name = "captions"
urlpatterns = [
    path("c/<slug:slug>/transcripts/", views.transcripts_page, name="transcripts"),
    path("c/<slug:slug>/transcripts/sharing/", views.sharing, name="sharing"),
    path("c/<slug:slug>/transcripts/<int:session>/<slug:space>.vtt", views.download, {"fmt": "vtt"}, name="vtt"),
    path("c/<slug:slug>/transcripts/<int:session>/<slug:space>.txt", views.download, {"fmt": "txt"}, name="txt"),
]
