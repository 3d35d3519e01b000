from django.urls import path

from action_items import views

app_name = "action_items"
urlpatterns = [
    path("c/<slug:slug>/teams/<int:team_id>/action-items/", views.team_items, name="team"),
    path("c/<slug:slug>/share-out/", views.share_out_page, name="share_out"),
    path("c/<slug:slug>/share-out.json", views.share_out_json, name="share_out_json"),
]
