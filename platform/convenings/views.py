from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from convenings import joinlinks
from convenings.agenda import agenda
from convenings.models import Convening, Registration


def home(request: HttpRequest) -> HttpResponse:
    convenings = Convening.objects.order_by("starts_at")
    return render(request, "convenings/home.html", {"convenings": convenings})


def convening_detail(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    registration = None
    participant = getattr(request.user, "participant", None) if request.user.is_authenticated else None
    if participant is not None:
        registration = Registration.objects.filter(convening=convening, participant=participant).first()
    presenters = sorted({name for item in agenda(convening) for name in item.presenters})
    context = {"convening": convening, "agenda": agenda(convening),
               "registration": registration, "presenters": presenters}
    return render(request, "convenings/convening.html", context)


def join(request: HttpRequest, token: str) -> HttpResponse:
    """Landing page of a personal join link: signs the person in, no password."""
    try:
        registration = joinlinks.resolve(token)
    except joinlinks.JoinLinkError as exc:
        return render(request, "convenings/join_error.html", {"reason": str(exc)}, status=403)
    login(request, registration.participant.user, backend="django.contrib.auth.backends.ModelBackend")
    return render(request, "convenings/join.html", {"registration": registration,
                                                    "convening": registration.convening})
