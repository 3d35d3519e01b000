from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from convenings import joinlinks
from convenings.access import organizes, viewer_for
from convenings.agenda import (
    COMMON_TIME_ZONES,
    SESSION_KEY,
    AgendaItem,
    TimeZoneChoice,
    agenda,
    choose_time_zone,
    known_time_zones,
)
from convenings.ical import agenda_calendar
from convenings.models import Convening, Registration

logger = logging.getLogger(__name__)


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
    items = agenda(convening, choice.name, timezone.now())
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


@never_cache  # a bearer link's page: not kept by the browser or any proxy
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """A personal join link: GET says who you would join as; only the page's POST signs in.

    Signing in on a GET let any page that embeds a link (an image, a prefetch) sign the
    browser out and in as someone else. The POST is CSRF-protected like every form.
    """
    try:
        registration = joinlinks.sign_in(request, token) if request.method == "POST" else joinlinks.resolve(token)
    except joinlinks.JoinLinkError as exc:
        logger.info("join link refused on %s: %s", request.method, exc)
        return render(request, "convenings/join_error.html", {"reason": str(exc)}, status=403)
    convening = registration.convening
    live_url = reverse("live", kwargs={"slug": convening.slug})
    if request.method == "POST":
        return redirect(live_url)
    person = registration.participant
    return render(request, "convenings/join.html", {
        "registration": registration, "convening": convening, "person": person,
        "signed_in_as_someone_else": request.user.is_authenticated and request.user.pk != person.user_id})
