"""The live convening page: the browser client's entry point.

``/c/<slug>/live/`` needs a signed-in person registered for the convening (site staff
who are not enter as its organizers). It renders the lobby + plenary shell and hands the
client its configuration (who you are, your convening role, where the websocket is, when
the doors open) as a JSON script tag; everything else happens in the ES modules under
``static/convene/js/``. Participants who come before the doors open wait in the lobby
(convenings.opening; the websocket refuses them too).
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from convenings import opening
from convenings.models import Convening, Registration, Session
from convenings.permissions import Action, permissions_for
from people.models import JobRole, Participant
from signaling.turn import connection_ice_servers

logger = logging.getLogger("convene.frontend")


def live_url(convening: Convening) -> str:
    """Where a registered person enters the live convening (for links on other pages)."""
    return reverse("live", kwargs={"slug": convening.slug})


def ws_path(convening: Convening) -> str:
    return f"/ws/convenings/{convening.slug}/"


def _identity(registration: Registration) -> dict[str, Any]:
    person = registration.participant
    school = person.school.name if person.school_id else ""
    district = person.home_district.name if person.home_district else ""
    return {
        "participant_id": person.pk,
        "name": person.name,
        "school": school,
        "district": district,
        "job_role": person.job_role,
        "job_role_label": person.get_job_role_display(),
        "role": registration.role,
        "role_label": registration.get_role_display(),
    }


def breakout_sessions(convening: Convening) -> list[dict[str, Any]]:
    """The convening's breakout sessions, in agenda order, with their topics (the console's picker)."""
    sessions = (Session.objects.filter(convening=convening, kind=Session.Kind.BREAKOUT)
                .prefetch_related("topics").order_by("order", "starts_at"))
    return [{"id": s.pk, "title": s.title, "order": s.order,
             "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
             "topics": [{"id": str(t.pk), "name": t.name, "kind": t.kind}
                        for t in sorted(s.topics.all(), key=lambda t: (t.kind, t.name))]}
            for s in sessions]


def directory(convening: Convening) -> list[dict[str, Any]]:
    """Everyone registered (connected or not): a plan names people by id, the console shows
    them by name, school and job role. Moderators only (it lists the whole convening)."""
    registrations = (Registration.objects.filter(convening=convening)
                     .select_related("participant__user", "participant__school")
                     .order_by("participant__user__last_name", "participant__user__first_name"))
    return [{"participant_id": r.participant_id, "name": r.participant.name,
             "school": r.participant.school.name if r.participant.school_id else "",
             "job_role": r.participant.job_role, "role": r.role}
            for r in registrations]


def convening_links(registration: Registration) -> dict[str, str]:
    """Pages beside the live meeting (they open in a new tab, so nobody leaves the call):
    the surveys, the person's own team's Top 5 (if they have a team) and the share-out,
    plus the share-out's JSON the plenary share-out loads."""
    slug = registration.convening.slug
    team_id = registration.participant.team_id
    return {
        "surveys": reverse("surveys:list", args=[slug]),
        "team_top5": reverse("action_items:team", args=[slug, team_id]) if team_id else "",
        "share_out": reverse("action_items:share_out", args=[slug]),
        "share_out_json": reverse("action_items:share_out_json", args=[slug]),
        # A speaker's join link lands here: their sessions, materials and lobby check are one link away.
        "speaker": reverse("organizer:speaker", args=[slug]) if registration.role == Registration.Role.PRESENTER else "",
    }


def _next_session(convening: Convening, now: dt.datetime) -> Session | None:
    """The session on now, else the next one (None: the agenda is over or empty)."""
    return convening.sessions.filter(ends_at__gt=now).order_by("starts_at", "order").first()


def schedule(convening: Convening, registration: Registration, now: dt.datetime) -> dict[str, Any]:
    """When the convening and its next session start, as the lobby says it: times in the
    convening's time zone (the client adds the viewer's own), and whether this person waits."""
    doors = opening.Doors.of(convening)
    tz = doors.tz
    phase = doors.phase(now)
    # "The academy opens at 8:00 AM PST", "The roundtable has ended".
    kind = {Convening.Kind.ACADEMY: "academy", Convening.Kind.ROUNDTABLE: "roundtable",
            Convening.Kind.REGIONAL: "meeting"}.get(convening.kind, "convening")
    upcoming = _next_session(convening, now)
    session = None
    if upcoming is not None:
        session = {"title": upcoming.title, "starts_at": upcoming.starts_at.isoformat(),
                   "on_now": upcoming.starts_at <= now,
                   "time": opening.day_and_time(upcoming.starts_at, tz, now)}
    ended = phase is opening.Phase.ENDED
    shown_at = convening.ends_at if ended else convening.starts_at
    return {
        "now": now.isoformat(),  # the server's clock: the lobby corrects for the device's
        "time_zone": convening.time_zone,
        "kind": kind,
        "phase": str(phase),
        "starts_at": convening.starts_at.isoformat(), "ends_at": convening.ends_at.isoformat(),
        "doors_open_at": doors.open_at.isoformat(),
        "starts": opening.day_and_time(convening.starts_at, tz, now),
        "doors": opening.clock_time(doors.open_at, tz),
        # The lobby's first line: "Starts at 8:00 AM PST", "Started at …", "Ended at 3:00 PM PST".
        "when_label": "Ended" if ended else "Starts" if now < convening.starts_at else "Started",
        "when_at": shown_at.isoformat(),
        "when": opening.day_and_time(shown_at, tz, now),
        "waits": not opening.may_enter(registration.role, doors, now),
        "next_session": session,
    }


def client_config(request: HttpRequest, registration: Registration) -> dict[str, Any]:
    """Everything the browser client needs to start, as plain JSON data."""
    convening = registration.convening
    scheme = "wss" if request.is_secure() else "ws"
    allowed = permissions_for(registration.role)
    runs_breakouts = bool({Action.EDIT_PLAN, Action.OPEN_BREAKOUTS} & allowed)
    return {
        "convening": {"slug": convening.slug, "title": convening.title,
                      "url": convening.get_absolute_url()},
        "you": _identity(registration),
        # The welcome message's own permissions take over once connected.
        "permissions": sorted(str(a) for a in allowed),
        "can_moderate": Action.INVITE_TO_SPEAK in allowed,
        "can_present": Action.SHARE_SCREEN in allowed,
        "can_run_breakouts": runs_breakouts,
        "breakout_sessions": breakout_sessions(convening),
        "directory": directory(convening) if runs_breakouts else [],
        # Seconds of "Moving you to …" before the room view takes over when rooms open.
        "breakout_move_countdown_s": 5,
        "job_roles": dict(JobRole.choices),
        "roles": dict(Registration.Role.choices),
        "links": convening_links(registration),
        # The share-out marks "Your team" by this id (None: not on a School Leadership Team).
        "team_id": registration.participant.team_id,
        "ws_path": ws_path(convening),
        "ws_url": f"{scheme}://{request.get_host()}{ws_path(convening)}",
        "protocol_url": "/protocol.js",
        # Minted per page load: with TURN_SECRET each carries its own expiring TURN credential.
        "ice_servers": connection_ice_servers(str(registration.participant_id)),
        "schedule": schedule(convening, registration, timezone.now()),
    }


def enter_as_organizer(user: Any, convening: Convening) -> Registration:
    """Site staff run convenings without registering for each: their first visit of the live
    page registers them as its organizer (a person record too, if the account has none), so
    the websocket, the roster and the report know them like any other organizer."""
    participant = getattr(user, "participant", None)
    if participant is None:
        participant, _ = Participant.objects.get_or_create(
            user=user, defaults={"job_role": JobRole.DISTRICT_LEADER})
    registration, created = Registration.objects.get_or_create(
        convening=convening, participant=participant, defaults={"role": Registration.Role.ORGANIZER})
    if created:
        logger.info("staff user %s entered %s as its organizer", user.pk, convening.slug)
    return registration


def live(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    # A join-link session is signed in only for its links' convenings (convenings.middleware).
    elsewhere = getattr(request, "join_link_refusal", None)
    if elsewhere:
        return render(request, "convenings/join_error.html", {"reason": elsewhere, "convening": convening},
                      status=403)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    participant = getattr(request.user, "participant", None)
    registration = None
    if participant is not None:
        registration = (Registration.objects.select_related(
            "participant__user", "participant__school__district", "participant__district", "convening")
            .filter(convening=convening, participant=participant).first())
    if registration is None and (request.user.is_staff or request.user.is_superuser):
        registration = enter_as_organizer(request.user, convening)
    if registration is None or not registration.takes_a_place:
        return render(request, "frontend/not_registered.html", {"convening": convening, "registration": registration},
                      status=403)
    config = client_config(request, registration)
    context = {"convening": convening, "registration": registration,
               "identity": _identity(registration), "config": config, "schedule": config["schedule"]}
    return render(request, "frontend/live.html", context)


def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: with the manifest storage of production settings the
    # hashed name only exists after collectstatic, not when URLs are imported.
    return HttpResponsePermanentRedirect(static("convene/favicon.svg"))
