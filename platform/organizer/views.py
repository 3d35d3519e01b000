"""Organizer and speaker pages: parse, authorize (organizer.access), delegate.

The decisions live in plain modules: defaults (a kind's agenda), changes (what to tell
people), uploads (which files), speakers and creation (the writes).
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from convenings import joinlinks
from convenings.access import Viewer, deny
from convenings.models import Convening, Material, Registration, Session, Topic
from organizer import access, changes, uploads
from organizer.creation import create_convening
from organizer.defaults import KINDS, TEMPLATES, defaults_for
from organizer.forms import InviteSpeakerForm, MaterialForm, NewConveningForm, SessionForm, TopicForm
from organizer.models import ConveningSetup
from organizer.speakers import invite_speaker

logger = logging.getLogger(__name__)


def max_upload_bytes() -> int:
    return int(getattr(settings, "MATERIAL_MAX_BYTES", uploads.MAX_BYTES))


def _convening(slug: str) -> Convening:
    return get_object_or_404(Convening, slug=slug)


# ---- creating a convening --------------------------------------------------------------------

def _kind_previews() -> list[dict]:
    """Each kind's agenda skeleton, shown beside the choice (durations, not dates)."""
    import datetime as dt

    start = dt.datetime(2026, 1, 7, 8, 30, tzinfo=dt.UTC)
    previews = []
    for kind in KINDS:
        plan = defaults_for(kind, start)
        previews.append({"kind": kind, "plan": plan, "template": TEMPLATES[kind], "steps": [
            (int((s.ends_at - s.starts_at).total_seconds() // 60), s, Session.Kind(s.kind).label)
            for s in plan.sessions]})
    return previews


@require_http_methods(["GET", "POST"])
def new_convening(request: HttpRequest) -> HttpResponse:
    if (denied := access.require_creator(request)) is not None:
        return denied
    form = NewConveningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        convening = create_convening(kind=data["kind"], title=data["title"], slug=data["slug"],
                                     time_zone=data["time_zone"], starts_at=data["starts_at"], creator=request.user)
        messages.success(request, f"{convening.title} is created with its {convening.get_kind_display().lower()} "
                                  "agenda. Edit the sessions below, then invite your speakers.")
        return redirect("organizer:home", slug=convening.slug)
    return render(request, "organizer/new.html", {"form": form, "previews": _kind_previews()},
                  status=400 if request.method == "POST" else 200)


# ---- the organizer home and sessions -----------------------------------------------------------

def _base_context(convening: Convening, **extra: object) -> dict:
    return {"convening": convening, "zone": convening.time_zone, **extra}


def home(request: HttpRequest, slug: str) -> HttpResponse:
    convening = _convening(slug)
    if (denied := access.require_organizer(request, convening)) is not None:
        return denied
    sessions = (convening.sessions.prefetch_related("topics", "presenters__user", "materials")
                .order_by("order", "starts_at"))
    setup = ConveningSetup.objects.filter(convening=convening).first()
    return render(request, "organizer/home.html", _base_context(
        convening, sessions=sessions, setup=setup, invitations_sent=changes.invitations_sent(convening),
        mail_installed=changes.mail_installed(), active="organizer:home"))


def _session_page(request: HttpRequest, convening: Convening, session: Session | None) -> HttpResponse:
    form = SessionForm(request.POST or None, instance=session, convening=convening)
    before = changes.SessionFacts.of(session) if session else None
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save(commit=False)
            if saved.pk is None:
                saved.order = (convening.sessions.aggregate(m=Max("order"))["m"] or 0) + 1
            saved.save()
            form.save_m2m()
            lines = changes.what_changed(before, changes.SessionFacts.of(saved), convening.time_zone)
            told = changes.tell_registered(saved, lines, changed_by=request.user, added=before is None,
                                           page_url=request.build_absolute_uri(convening.get_absolute_url()))
        note = _told_note(told)
        messages.success(request, f"Saved “{saved.title}”.{note}")
        return redirect("organizer:session", slug=convening.slug, session_id=saved.pk)
    return render(request, "organizer/session.html", _base_context(
        convening, form=form, session=session, material_form=MaterialForm(max_bytes=max_upload_bytes()),
        invitations_sent=changes.invitations_sent(convening), mail_installed=changes.mail_installed(),
        history=session.changes.all() if session else [], active="organizer:home"),
        status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest, slug: str) -> HttpResponse:
    convening = _convening(slug)
    if (denied := access.require_organizer(request, convening)) is not None:
        return denied
    return _session_page(request, convening, None)


@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    convening = _convening(slug)
    if (denied := access.require_organizer(request, convening)) is not None:
        return denied
    session = get_object_or_404(Session, convening=convening, pk=session_id)
    return _session_page(request, convening, session)


@require_POST
def session_delete(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    convening = _convening(slug)
    if (denied := access.require_organizer(request, convening)) is not None:
        return denied
    session = get_object_or_404(Session, convening=convening, pk=session_id)
    title = session.title
    with transaction.atomic():  # the emails and the removal, together
        told = changes.tell_removed(session, changed_by=request.user,
                                    page_url=request.build_absolute_uri(convening.get_absolute_url()))
        session.delete()
    messages.success(request, f"Removed “{title}” from the agenda.{_told_note(told)}")
    return redirect("organizer:home", slug=slug)


def _told_note(told: int) -> str:
    return f" {told} registered {'person was' if told == 1 else 'people were'} emailed about the change." \
        if told else ""


# ---- materials ---------------------------------------------------------------------------------

def _too_large(request: HttpRequest, limit: int) -> bool:
    # Refuse by the declared length before parsing the body: a huge upload costs no parsing.
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024
    except ValueError:
        return False


def _add_material(request: HttpRequest, session: Session) -> tuple[bool, str]:
    """Store the posted material; (done, message for the person)."""
    limit = max_upload_bytes()
    if _too_large(request, limit):
        return False, f"The file is larger than the limit of {uploads.megabytes(limit)}. Make it smaller or share a link."
    form = MaterialForm(request.POST, request.FILES, max_bytes=limit)
    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        logger.info("material refused for session %s: %s", session.pk, "; ".join(problems))
        return False, " ".join(problems)
    data = form.cleaned_data
    material = Material(session=session, title=data["title"], url=data.get("url") or "")
    if data.get("file"):
        material.file = data["file"]
    material.save()
    return True, f"Added “{material.title}” to {session.title}."


@require_POST
def material_add(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    convening = _convening(slug)
    if (denied := access.require_organizer(request, convening)) is not None:
        return denied
    session = get_object_or_404(Session, convening=convening, pk=session_id)
    done, text = _add_material(request, session)
    (messages.success if done else messages.error)(request, text)
    return redirect(reverse("organizer:session", kwargs={"slug": slug, "session_id": session.pk}) + "#materials")


@require_POST
def material_delete(request: HttpRequest, slug: str, material_id: int) -> HttpResponse:
    convening = _convening(slug)
    if (denied := access.require_organizer(request, convening)) is not None:
        return denied
    material = get_object_or_404(Material, session__convening=convening, pk=material_id)
    session_id, title = material.session_id, material.title
    if material.file:
        material.file.delete(save=False)
    material.delete()
    messages.success(request, f"Removed “{title}”.")
    return redirect(reverse("organizer:session", kwargs={"slug": slug, "session_id": session_id}) + "#materials")


def material_file(request: HttpRequest, name: str) -> HttpResponse:
    """An uploaded material (Material.file.url points here): only files that belong to a material."""
    material = Material.objects.filter(file=f"materials/{name}").first()
    if material is None or not material.file:
        raise Http404("No such material.")
    extension = uploads.extension_of(material.file.name)
    content_type = uploads.ALLOWED.get(extension, (None, "application/octet-stream"))[1]
    inline = extension in {"pdf", "png", "jpg", "jpeg"}
    try:
        handle = material.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing.") from exc
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline,
                            filename=material.file.name.rsplit("/", 1)[-1])
    return response  # SecurityMiddleware adds nosniff: the checked type is the one browsers use


# ---- topics ------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def topics(request: HttpRequest, slug: str) -> HttpResponse:
    convening = _convening(slug)
    if (denied := access.require_organizer(request, convening)) is not None:
        return denied
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        topic = form.save()
        messages.success(request, f"Added the topic “{topic.name}” ({topic.get_kind_display()}). "
                                  "Choose it on a session to use it.")
        return redirect("organizer:topics", slug=slug)
    used = Topic.objects.filter(sessions__convening=convening).distinct().order_by("kind", "name")
    others = Topic.objects.exclude(pk__in=used).order_by("kind", "name")
    return render(request, "organizer/topics.html", _base_context(
        convening, form=form, used=used, others=others, active="organizer:topics"),
        status=400 if request.method == "POST" else 200)


# ---- speakers ----------------------------------------------------------------------------------

def _speaker_rows(convening: Convening) -> list[dict]:
    rows = []
    registrations = (Registration.objects.filter(convening=convening, role=Registration.Role.PRESENTER)
                     .select_related("participant__user").order_by("participant__user__last_name"))
    for registration in registrations:
        person = registration.participant
        rows.append({"registration": registration, "person": person,
                     "sessions": list(person.presenting.filter(convening=convening).order_by("starts_at")),
                     "why_no_link": joinlinks.why_not_issued(registration),
                     "has_password": person.user.has_usable_password()})
    return rows


@require_http_methods(["GET", "POST"])
def speakers(request: HttpRequest, slug: str) -> HttpResponse:
    convening = _convening(slug)
    if (denied := access.require_organizer(request, convening)) is not None:
        return denied
    form = InviteSpeakerForm(request.POST or None, convening=convening)
    invited = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invited = invite_speaker(convening, first_name=data["first_name"], last_name=data["last_name"],
                                 email=data["email"], job_role=data["job_role"], sessions=data["sessions"],
                                 absolute=request.build_absolute_uri,
                                 speaker_url=request.build_absolute_uri(reverse("organizer:speaker", args=[slug])))
        form = InviteSpeakerForm(convening=convening)
    status = 400 if request.method == "POST" and invited is None else 200
    return render(request, "organizer/speakers.html", _base_context(
        convening, form=form, invited=invited, rows=_speaker_rows(convening),
        mail_installed=changes.mail_installed(), active="organizer:speakers"), status=status)


@require_POST
def speaker_link(request: HttpRequest, slug: str, registration_id: int) -> HttpResponse:
    """Show (issuing if needed) a speaker's personal link, to copy when email is not an option."""
    convening = _convening(slug)
    if (denied := access.require_organizer(request, convening)) is not None:
        return denied
    registration = get_object_or_404(Registration, convening=convening, pk=registration_id,
                                     role=Registration.Role.PRESENTER)
    try:
        link = joinlinks.issue_for_the_day(registration)
    except joinlinks.JoinLinkError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Presenter link for {registration.participant.name}: "
                                  f"{request.build_absolute_uri(link.path)}")
    return redirect("organizer:speakers", slug=slug)


# ---- the speaker's own page --------------------------------------------------------------------

def _speaker_or_denied(request: HttpRequest, convening: Convening) -> tuple[Registration | None, HttpResponse | None]:
    refusal = getattr(request, "join_link_refusal", None)
    if refusal:
        return None, render(request, "convenings/join_error.html", {"reason": refusal, "convening": convening},
                            status=403)
    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path())
    registration = (Registration.objects.select_related("participant__user")
                    .filter(convening=convening, participant__user=request.user).first())
    presents = registration is not None and (
        registration.role == Registration.Role.PRESENTER
        or registration.participant.presenting.filter(convening=convening).exists())
    if not presents:
        return None, deny(request, Viewer(authenticated=True),
                          "This page is for the convening's speakers. Your sessions and materials appear "
                          "here once the organizers invite you to present.")
    return registration, None


def speaker_home(request: HttpRequest, slug: str) -> HttpResponse:
    convening = _convening(slug)
    registration, denied = _speaker_or_denied(request, convening)
    if denied is not None:
        return denied
    assert registration is not None
    sessions = (registration.participant.presenting.filter(convening=convening)
                .prefetch_related("materials", "presenters__user").order_by("starts_at"))
    return render(request, "organizer/speaker.html", {
        "convening": convening, "registration": registration, "sessions": sessions,
        "material_form": MaterialForm(max_bytes=max_upload_bytes()),
        "live_url": reverse("live", kwargs={"slug": slug})})


@require_POST
def speaker_upload(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    convening = _convening(slug)
    registration, denied = _speaker_or_denied(request, convening)
    if denied is not None:
        return denied
    assert registration is not None
    session = registration.participant.presenting.filter(convening=convening, pk=session_id).first()
    if session is None:
        return deny(request, Viewer(authenticated=True), "You can add materials only to the sessions you present.")
    done, text = _add_material(request, session)
    (messages.success if done else messages.error)(request, text)
    return redirect(reverse("organizer:speaker", args=[slug]) + f"#session-{session.pk}")
