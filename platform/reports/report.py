"""Everything on the convening report, gathered from the apps that own each part."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from action_items.selectors import ShareOut, share_out
from convenings.models import Convening
from polls.results import PollReport, report_polls
from reports.sources import RoomSummary, breakout_rooms
from reports.summary import AttendanceSummary, attendance_summary
from surveys.presenters import ResultsPage, results_page


@dataclass(frozen=True)
class ConveningReport:
    convening: Convening
    generated_at: dt.datetime
    attendance: AttendanceSummary
    rooms: list[RoomSummary]
    share_out: ShareOut
    surveys: list[ResultsPage]
    polls: list[PollReport] = field(default_factory=list)


def build_report(convening: Convening, now: dt.datetime) -> ConveningReport:
    surveys = convening.surveys.select_related("session", "convening").order_by("session__starts_at", "title")
    return ConveningReport(
        convening=convening, generated_at=now, attendance=attendance_summary(convening, now),
        rooms=breakout_rooms(convening), share_out=share_out(convening),
        surveys=[results_page(s) for s in surveys], polls=report_polls(convening.pk),
    )
