from __future__ import annotations

from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from convenings import joinlinks
from convenings.agenda import (COMMON_TIME_ZONES, SESSION_KEY, AgendaItem, TimeZoneChoice, agenda,
                               choose_time_zone, known_time_zones)
from convenings.ical import agenda_calendar
from convenings.models import Convening, Registration
from surveys.access import organizes, viewer_for


def home(request: HttpRequest) -> HttpResponse:
    convenings = Convening.objects.order_by("starts_at")
    return render(request, "convenings/home.html", {"convenings": convenings})


def convening_detail(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    registration = None
    participant = getattr(request.user, "participant", None) if request.user.is_authenticated else None
    if participant is not None:
        registration = Registration.objects.filter(convening=convening, participant=participant).first()
    choice = _viewer_time_zone(request)
    items = agenda(convening, choice.name)
    presenters = sorted({name for item in items for name in item.presenters})
    context = {"convening": convening, "agenda": items, "registration": registration, "presenters": presenters,
               "viewer_tz": choice.name, "tz_error": choice.error, "common_time_zones": COMMON_TIME_ZONES,
               "all_time_zones": sorted(known_time_zones()),
               "organizer": organizes(viewer_for(request.user, convening)),
               "live_url": reverse("live", kwargs={"slug": slug}) if registration else None}
    return render(request, "convenings/convening.html", context)


def _viewer_time_zone(request: HttpRequest) -> TimeZoneChoice:
    choice = choose_time_zone(request.GET.get("tz"), request.session.get(SESSION_KEY))
    if choice.remember:
        request.session[SESSION_KEY] = choice.name or ""
    return choice


def agenda_ics(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    return _ics(request, convening, agenda(convening), convening.slug)


def session_ics(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    items = [item for item in agenda(convening) if item.session.pk == session_id]
    if not items:
        raise Http404("No such session in this convening.")
    return _ics(request, convening, items, f"{convening.slug}-session-{session_id}")


def _ics(request: HttpRequest, convening: Convening, items: list[AgendaItem], filename: str) -> HttpResponse:
    calendar = agenda_calendar(convening, items, request.build_absolute_uri("/"), timezone.now())
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.ics"'
    return response


def join(request: HttpRequest, token: str) -> HttpResponse:
    """Landing page of a personal join link: signs the person in, no password."""
    try:
        registration = joinlinks.resolve(token)
    except joinlinks.JoinLinkError as exc:
        return render(request, "convenings/join_error.html", {"reason": str(exc)}, status=403)
    login(request, registration.participant.user, backend="django.contrib.auth.backends.ModelBackend")
    convening = registration.convening
    return render(request, "convenings/join.html", {
        "registration": registration, "convening": convening,
        "live_url": reverse("live", kwargs={"slug": convening.slug})})
