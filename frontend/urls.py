from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from frontend import views

urlpatterns = [
    path("c/<slug:slug>/live/", views.live, name="live"),
    # Browsers ask for /favicon.ico on every page; answer with Convene's icon.
    path("favicon.ico", RedirectView.as_view(url=static("convene/favicon.svg"), permanent=True)),
]
