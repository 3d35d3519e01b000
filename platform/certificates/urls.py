from django.urls import path

from certificates import views

app_name = "certificates"
urlpatterns = [
    path("c/<slug:slug>/organize/certificates/", views.organize, name="organize"),
    path("c/<slug:slug>/organize/certificates/certificates.zip", views.organize_zip, name="organize_zip"),
    path("c/<slug:slug>/organize/certificates/pd-hours.csv", views.organize_csv, name="organize_csv"),
    path("c/<slug:slug>/certificate/", views.mine, name="mine"),
    path("certificates/<str:code>/", views.verify, name="verify"),
]
