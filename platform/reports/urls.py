from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("c/<slug:slug>/report/", views.report, name="report"),
    path("c/<slug:slug>/report/attendance.csv", views.attendance_download, name="attendance_csv"),
    path("c/<slug:slug>/report/breakout-rooms.csv", views.rooms_download, name="rooms_csv"),
    path("c/<slug:slug>/report/action-items.csv", views.action_items_download, name="action_items_csv"),
    path("c/<slug:slug>/report/polls.csv", views.polls_download, name="polls_csv"),
]
