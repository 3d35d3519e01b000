from django.urls import path

from surveys import views

app_name = "surveys"
urlpatterns = [
    path("c/<slug:slug>/surveys/", views.survey_list, name="list"),
    path("c/<slug:slug>/surveys/<int:survey_id>/", views.respond, name="respond"),
    path("c/<slug:slug>/surveys/<int:survey_id>/results/", views.results, name="results"),
    path("c/<slug:slug>/surveys/<int:survey_id>/responses.csv", views.results_csv, name="responses_csv"),
]
