from django.urls import path

from rooms import views

app_name = "rooms"
urlpatterns = [
    path("c/<slug:slug>/sessions/<int:session_id>/breakouts.csv", views.plan_csv, name="plan_csv"),
]
