"""The live convening page: the browser client's entry point.

``/c/<slug>/live/`` needs a signed-in person registered for the convening. It
renders the lobby + plenary shell and hands the client its configuration (who
you are, your convening role, where the websocket is) as a JSON script tag;
everything else happens in the ES modules under ``static/convene/js/``.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from convenings.models import Convening, Registration, Session
from convenings.permissions import Action, permissions_for
from people.models import JobRole


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
        "ice_servers": settings.ICE_SERVERS,
    }


@login_required
def live(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    participant = getattr(request.user, "participant", None)
    registration = None
    if participant is not None:
        registration = (Registration.objects.select_related(
            "participant__user", "participant__school__district", "participant__district", "convening")
            .filter(convening=convening, participant=participant).first())
    if registration is None:
        return render(request, "frontend/not_registered.html", {"convening": convening}, status=403)
    context = {"convening": convening, "registration": registration,
               "identity": _identity(registration), "config": client_config(request, registration)}
    return render(request, "frontend/live.html", context)


def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: with the manifest storage of production settings the
    # hashed name only exists after collectstatic, not when URLs are imported.
    return HttpResponsePermanentRedirect(static("convene/favicon.svg"))
