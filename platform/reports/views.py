"""The convening report for organizers: an HTML page that prints well, and CSV downloads."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from action_items.selectors import share_out
from convenings.access import deny, organizes, viewer_for
from convenings.models import Convening
from polls.results import report_polls
from reports.export import action_items_csv, attendance_csv, polls_csv, room_membership_csv
from reports.report import build_report
from reports.sources import room_stays
from reports.summary import attendance_summary

DENIED = "The convening report is for the convening's organizers and moderators."


def _authorized(request: HttpRequest, slug: str) -> tuple[Convening, HttpResponse | None]:
    convening = get_object_or_404(Convening, slug=slug)
    viewer = viewer_for(request.user, convening)
    return convening, (None if organizes(viewer) else deny(request, viewer, DENIED))


def report(request: HttpRequest, slug: str) -> HttpResponse:
    convening, denied = _authorized(request, slug)
    if denied:
        return denied
    return render(request, "reports/report.html", {"convening": convening,
                                                   "report": build_report(convening, timezone.now())})


def attendance_download(request: HttpRequest, slug: str) -> HttpResponse:
    convening, denied = _authorized(request, slug)
    if denied:
        return denied
    return _csv(attendance_csv(attendance_summary(convening, timezone.now()), convening.tz),
                f"{convening.slug}-attendance.csv")


def rooms_download(request: HttpRequest, slug: str) -> HttpResponse:
    convening, denied = _authorized(request, slug)
    if denied:
        return denied
    return _csv(room_membership_csv(room_stays(convening), convening.tz), f"{convening.slug}-breakout-rooms.csv")


def action_items_download(request: HttpRequest, slug: str) -> HttpResponse:
    convening, denied = _authorized(request, slug)
    if denied:
        return denied
    return _csv(action_items_csv(share_out(convening), convening.tz), f"{convening.slug}-action-items.csv")


def polls_download(request: HttpRequest, slug: str) -> HttpResponse:
    convening, denied = _authorized(request, slug)
    if denied:
        return denied
    return _csv(polls_csv(report_polls(convening.pk), convening.tz), f"{convening.slug}-polls.csv")


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
