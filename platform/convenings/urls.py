from django.urls import path

from convenings import views

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.convening_detail, name="convening"),
    path("c/<slug:slug>/agenda.ics", views.agenda_ics, name="agenda_ics"),
    path("c/<slug:slug>/sessions/<int:session_id>.ics", views.session_ics, name="session_ics"),
    path("join/<str:token>/", views.join, name="join"),
]
