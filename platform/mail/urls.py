from django.urls import path

from mail import views

app_name = "mail"

urlpatterns = [
    path("c/<slug:slug>/organize/email/", views.organize, name="organize"),
]
