from django.urls import path

from organizer import views

app_name = "organizer"

urlpatterns = [
    path("organize/new/", views.new_convening, name="new"),
    path("c/<slug:slug>/organize/", views.home, name="home"),
    path("c/<slug:slug>/organize/sessions/new/", views.session_new, name="session_new"),
    path("c/<slug:slug>/organize/sessions/<int:session_id>/", views.session_edit, name="session"),
    path("c/<slug:slug>/organize/sessions/<int:session_id>/delete/", views.session_delete, name="session_delete"),
    path("c/<slug:slug>/organize/sessions/<int:session_id>/materials/", views.material_add, name="material_add"),
    path("c/<slug:slug>/organize/materials/<int:material_id>/delete/", views.material_delete,
         name="material_delete"),
    path("c/<slug:slug>/organize/topics/", views.topics, name="topics"),
    path("c/<slug:slug>/organize/speakers/", views.speakers, name="speakers"),
    path("c/<slug:slug>/organize/speakers/<int:registration_id>/link/", views.speaker_link, name="speaker_link"),
    path("c/<slug:slug>/speaker/", views.speaker_home, name="speaker"),
    path("c/<slug:slug>/speaker/sessions/<int:session_id>/materials/", views.speaker_upload,
         name="speaker_upload"),
    # Material.file.url (MEDIA_URL + "materials/…"): served only for files that belong to a material.
    path("media/materials/<path:name>", views.material_file, name="material_file"),
]
