"""CSV downloads of the report: attendance and action items (survey responses: surveys.export)."""
from __future__ import annotations

import datetime as dt
import zoneinfo

from action_items.selectors import ShareOut
from reports.summary import AttendanceSummary
from surveys.export import write_csv


def attendance_csv(summary: AttendanceSummary, tz: zoneinfo.ZoneInfo) -> str:
    header = ["Name", "Email", "Convening role", "School", "Team", "First joined", "Last left",
              "Minutes present", "Spaces"]
    rows = [[p.participant.name, p.participant.email, p.role,
             p.participant.school.name if p.participant.school else "",
             p.participant.team.name if p.participant.team else "",
             _time(p.first_joined, tz), "still present" if p.still_present else _time(p.last_left, tz),
             p.minutes, "; ".join(p.spaces)] for p in summary.people]
    return write_csv([header, *rows])


def action_items_csv(data: ShareOut, tz: zoneinfo.ZoneInfo) -> str:
    header = ["Owner", "Name", "Detail", "Rank", "Action item", "Last changed by", "Last changed"]
    rows = [[group.kind, group.name, group.detail, rank, item.text,
             item.updated_by.name if item.updated_by else "", _time(item.updated_at, tz)]
            for group in [*data.teams, *data.rooms] for rank, item in enumerate(group.items, start=1)]
    return write_csv([header, *rows])


def _time(value: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    return value.astimezone(tz).isoformat(timespec="minutes") if value else ""
