"""A breakout session's draft plan as CSV, for moderators preparing rooms in advance.

GET  /c/<slug>/sessions/<id>/breakouts.csv  the plan (room, topic, participant id, name)
POST /c/<slug>/sessions/<id>/breakouts.csv  replace the plan with an uploaded CSV (a file
     field ``file``, or the request body as text/csv); JSON answer: the new version and
     rooms, or 400 with every bad line.
"""
from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from convenings.access import Viewer, deny, viewer_for
from convenings.models import Convening, Session
from convenings.permissions import Action, allowed
from rooms.actions import NotFound, breakout_plans
from rooms.actions.breakout_publish import to_staff
from rooms.breakouts import drafts
from rooms.planning import PlanImportError

MAX_CSV_BYTES = 2 * 1024 * 1024


def _may_plan(viewer: Viewer) -> bool:
    return viewer.is_staff or (viewer.role is not None and allowed(viewer.role, Action.EDIT_PLAN))


def _csv_text(request: HttpRequest) -> str:
    upload = request.FILES.get("file")
    raw = upload.read(MAX_CSV_BYTES + 1) if upload else request.body
    if len(raw) > MAX_CSV_BYTES:
        raise PlanImportError([f"the file is larger than {MAX_CSV_BYTES // 1024 // 1024} MiB"])
    try:
        return raw.decode("utf-8-sig")  # spreadsheets often add a byte-order mark
    except UnicodeDecodeError as exc:
        raise PlanImportError(["the file is not UTF-8 text"]) from exc


@require_http_methods(["GET", "POST"])
def plan_csv(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    session = get_object_or_404(Session, pk=session_id, convening=convening)
    viewer = viewer_for(request.user, convening)
    if not _may_plan(viewer):
        return deny(request, viewer, "Breakout plans are prepared by the convening's moderators.")
    if request.method == "GET":
        try:
            text = drafts.export_csv(session)
        except NotFound as exc:
            return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{convening.slug}-session-{session.pk}-breakouts.csv"'
        return response
    try:
        text = _csv_text(request)
        with transaction.atomic():
            draft = drafts.import_csv(session, text, viewer.participant.pk if viewer.participant else None)
            ready = breakout_plans.plan_ready(session, draft)
            to_staff(convening.pk, ready)  # moderators with the live page open see it at once
    except PlanImportError as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    return JsonResponse(ready.model_dump(mode="json"))
