from django.urls import path

from registration import views

app_name = "registration"

urlpatterns = [
    path("c/<slug:slug>/register/", views.register, name="register"),
    path("c/<slug:slug>/register/team/", views.register_team, name="register_team"),
    path("c/<slug:slug>/register/done/", views.done, name="done"),
    path("c/<slug:slug>/register/cancel/", views.cancel_mine, name="cancel_mine"),
    path("c/<slug:slug>/register/cancel/<str:token>/", views.cancel_link, name="cancel_link"),
    path("c/<slug:slug>/organize/registrations/", views.organize_list, name="organize_list"),
    path("c/<slug:slug>/organize/registrations.csv", views.organize_csv, name="organize_csv"),
]
