from django.urls import URLPattern, path

from signaling import views

urlpatterns: list[URLPattern] = [
    path("protocol.js", views.protocol_js, name="protocol-js"),
]
