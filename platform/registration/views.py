"""Registration pages: parse, authorize, delegate (services), render.

/c/<slug>/register/          one person registers (or updates their registration)
/c/<slug>/register/team/     a principal registers their school's team of three
/c/<slug>/register/cancel/…  cancelling, from an email's signed link or one's own session
/c/<slug>/organize/registrations/  the organizer's list (and its CSV)
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from convenings import joinlinks
from convenings.models import Convening, Registration
from organizer.access import require_organizer  # the one check for organizer pages
from registration import links, notices, organize, rules, services, throttle
from registration.forms import (
    TEAM_SIZE,
    InterestsForm,
    PersonForm,
    PlaceForm,
    SettingsForm,
    TeamMemberForm,
    distinct_emails,
)

logger = logging.getLogger(__name__)
DONE_KEY = "convene.registration.done"
INVITATION_ONLY = ("Registration for this convening is by invitation only. Open the personal link in your "
                   "invitation email to register. No invitation? Ask the organizers.")
OTHER_CONVENING = "This invitation is for another convening. Open the link from the invitation for this one."
TEAM_BY_INVITATION = ("Registration for this convening is by invitation only, so each invited person registers "
                      "with their own link.")
TOO_MANY = ("Too many registrations have come from your network in the last few minutes. "
            "Wait {minutes} minutes and try again; if a whole school is registering, a principal can register "
            "their team of three at once.")


@dataclass(frozen=True)
class Invitation:
    """In invitation-only mode: whose invitation this visit holds (or why none)."""
    registration: Registration | None = None
    token: str = ""
    refusal: str | None = None


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _refused(request: HttpRequest, convening: Convening, reason: str, status: int = 403) -> HttpResponse:
    logger.info("registration refused for %s (%s): %s", convening.slug, status, reason)
    response = render(request, "registration/refused.html", {"convening": convening, "reason": reason},
                      status=status)
    if status == 429:
        response["Retry-After"] = str(throttle.window_s())
    return response


def _mine(request: HttpRequest, convening: Convening) -> Registration | None:
    if not request.user.is_authenticated:
        return None
    return (Registration.objects.select_related("participant__user", "participant__school__district__region",
                                                "participant__district__region", "convening")
            .filter(convening=convening, participant__user=request.user).first())


def _invitation(request: HttpRequest, convening: Convening) -> Invitation:
    token = (request.POST.get("invite") or request.GET.get("invite") or "").strip()
    if token:
        try:
            registration = joinlinks.resolve(token)
        except joinlinks.JoinLinkError as exc:
            return Invitation(refusal=str(exc))
        if registration.convening_id != convening.pk:
            return Invitation(refusal=OTHER_CONVENING)
        return Invitation(registration, token)
    mine = _mine(request, convening)  # signed in by their join link (or password): they hold it
    return Invitation(mine) if mine else Invitation(refusal=INVITATION_ONLY)


def _initial(registration: Registration | None) -> tuple[dict, dict, dict]:
    if registration is None:
        return {}, {}, {}
    person = registration.participant
    own = {"name": person.name, "email": person.email, "job_role": person.job_role, "on_team": bool(person.team_id),
           "needs_captions": registration.needs_captions, "needs_interpreter": registration.needs_interpreter,
           "accessibility_other": registration.accessibility_other}
    district = person.home_district
    place = ({"school": str(person.school_id)} if person.school_id else
             {"school": "none", "district": district.name, "region": district.region_id} if district else {})
    interests = {"interests": list(person.interests.values_list("pk", flat=True))}
    return own, place, interests


def _gate(request: HttpRequest, convening: Convening) -> HttpResponse | None:
    """The refusals every registration form shares: closed, then (on a POST) a flood."""
    reason = rules.closed_reason(convening.registration_mode, convening.registration_closes_at, convening.ends_at,
                                 timezone.now(), convening.tz)
    if reason:
        return _refused(request, convening, reason)
    if request.method == "POST" and throttle.flooding(request):
        return _refused(request, convening, TOO_MANY.format(minutes=max(1, throttle.window_s() // 60)), 429)
    return None


def _finish(request: HttpRequest, convening: Convening, outcomes: list[services.Outcome]) -> HttpResponse:
    request.session[DONE_KEY] = {"slug": convening.slug, "people": [
        {"name": o.registration.participant.name, "email": o.registration.participant.email, "status": o.status,
         "updated": o.updated, "position": services.waitlist_position(o.registration)} for o in outcomes]}
    return redirect("registration:done", slug=convening.slug)


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    if (refused := _gate(request, convening)) is not None:
        return refused
    invitation = Invitation()
    if convening.registration_mode == rules.INVITATION:
        invitation = _invitation(request, convening)
        if invitation.refusal:
            return _refused(request, convening, invitation.refusal)
    mine = invitation.registration or _mine(request, convening)
    own, place, interests = _initial(mine)
    data = request.POST if request.method == "POST" else None
    person = PersonForm(data, initial=own)
    if invitation.registration is not None:
        person.fields["email"].disabled = True  # the invitation is this person's: nobody else's email
        person.fields["email"].help_text = "Your invitation is for this address."
    where = PlaceForm(data, initial=place)
    topics = InterestsForm(data, initial=interests, convening=convening)
    forms_ = [person, where, topics]
    if data is not None and all(form.is_valid() for form in forms_):
        try:
            outcomes = services.register(convening, [person.person()], where.place(), topics.chosen(),
                                         base_url=_base_url(request))
        except services.RegistrationClosed as exc:
            return _refused(request, convening, str(exc))
        return _finish(request, convening, outcomes)
    return _form_page(request, convening, "registration/register.html", forms_, {
        "person": person, "place": where, "topics": topics, "mine": mine, "invitation": invitation})


@never_cache
@require_http_methods(["GET", "POST"])
def register_team(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    if (refused := _gate(request, convening)) is not None:
        return refused
    if convening.registration_mode == rules.INVITATION:
        return _refused(request, convening, TEAM_BY_INVITATION)
    data = request.POST if request.method == "POST" else None
    members = [TeamMemberForm(data, prefix=f"p{i}", initial={"job_role": "principal"} if i == 1 else {})
               for i in range(1, TEAM_SIZE + 1)]
    where = PlaceForm(data, team=True)
    topics = InterestsForm(data, convening=convening)
    forms_ = [*members, where, topics]
    if data is not None and all(form.is_valid() for form in forms_):
        distinct_emails(members)
    if data is not None and not any(form.errors for form in forms_):
        first = members[0].person()
        try:
            outcomes = services.register(convening, [m.person() for m in members], where.place(), topics.chosen(),
                                         base_url=_base_url(request), registered_by=f"{first.name} ({first.email})")
        except services.RegistrationClosed as exc:
            return _refused(request, convening, str(exc))
        return _finish(request, convening, outcomes)
    return _form_page(request, convening, "registration/team.html", forms_, {
        "members": members, "place": where, "topics": topics})


def _form_page(request: HttpRequest, convening: Convening, template: str, forms_: list, context: dict) -> HttpResponse:
    errors = [(form[name].id_for_label or form[name].auto_id, form[name].label, problem)
              for form in forms_ for name, problems in form.errors.items() if name != "__all__"
              for problem in problems]
    if errors:
        logger.info("registration form for %s refused: %s", convening.slug, [(e[1], e[2]) for e in errors])
    full = convening.capacity is not None and services.taken_places(convening) >= convening.capacity
    return render(request, template, {"convening": convening, "errors": errors, "full": full,
                                      "when": notices.when(convening), **context},
                  status=400 if errors else 200)


@never_cache
def done(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    result = request.session.get(DONE_KEY) or {}
    if result.get("slug") != slug:
        return redirect("registration:register", slug=slug)
    return render(request, "registration/done.html", {"convening": convening, "people": result["people"]})


@never_cache
@require_http_methods(["GET", "POST"])
def cancel_link(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """From an email: GET asks "cancel?", only the page's POST cancels (link scanners GET)."""
    convening = get_object_or_404(Convening, slug=slug)
    try:
        registration = links.registration_for(token, joinlinks.current_time())
    except links.CancelLinkError as exc:
        return _refused(request, convening, str(exc))
    if registration.convening_id != convening.pk:
        return _refused(request, convening, links.FORGED)
    return _cancel_page(request, convening, registration)


@never_cache
@require_POST
def cancel_mine(request: HttpRequest, slug: str) -> HttpResponse:
    """Cancelling one's own registration while signed in (by join link or password)."""
    convening = get_object_or_404(Convening, slug=slug)
    registration = _mine(request, convening)
    if registration is None:
        return _refused(request, convening, "You are not registered for this convening, so there is nothing to cancel.")
    return _cancel_page(request, convening, registration)


def _cancel_page(request: HttpRequest, convening: Convening, registration: Registration) -> HttpResponse:
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        result = services.cancel(registration, base_url=_base_url(request))
        return render(request, "registration/cancelled.html", {"convening": convening, "result": result})
    return render(request, "registration/cancel.html", {"convening": convening, "registration": registration})


# ---- the organizer's list ----------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def organize_list(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    if (denied := require_organizer(request, convening)) is not None:
        return denied
    with timezone.override(convening.tz):  # the closing time is typed and shown in the convening's zone
        return _organize_list(request, convening)


def _organize_list(request: HttpRequest, convening: Convening) -> HttpResponse:
    slug = convening.slug
    settings_form = SettingsForm(request.POST if request.method == "POST" else None, instance=convening)
    if request.method == "POST" and settings_form.is_valid():
        settings_form.save()
        promoted = services.promote_waitlisted(convening, base_url=_base_url(request))
        logger.info("registration settings for %s: %s, capacity %s; promoted %s", slug, convening.registration_mode,
                    convening.capacity, len(promoted))
        note = f" {len(promoted)} people were moved from the waitlist to registered." if promoted else ""
        messages.success(request, "Registration settings saved." + note)
        return redirect("registration:organize_list", slug=slug)
    status = request.GET.get("status") or None
    if status not in dict(organize.STATUSES):
        status = None
    counts = organize.counts(convening)
    return render(request, "registration/organize_list.html", {
        "convening": convening, "active": "registration:organize_list", "rows": organize.rows(convening, status),
        "counts": [(value, label, counts[value]) for value, label in organize.STATUSES],
        "needs": organize.accessibility_counts(convening), "status": status,
        "status_label": dict(organize.STATUSES).get(status or "", "Everyone"),
        "mail_installed": organize.mail_installed(), "settings_form": settings_form,
        "taken": services.taken_places(convening),
        "register_url": request.build_absolute_uri(reverse("registration:register", kwargs={"slug": slug}))},
        status=400 if settings_form.errors else 200)


def organize_csv(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    if (denied := require_organizer(request, convening)) is not None:
        return denied
    response = HttpResponse(organize.csv_text(convening), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-registrations.csv"'
    return response
