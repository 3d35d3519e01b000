"""CSV downloads of the report: attendance, breakout room membership and action items
(survey responses: surveys.export)."""
from __future__ import annotations

import datetime as dt
import zoneinfo

from action_items.selectors import ShareOut
from polls.results import PollReport
from reports.intervals import minutes
from reports.sources import RoomStay
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


def room_membership_csv(stays: list[RoomStay], tz: zoneinfo.ZoneInfo) -> str:
    """Who was in which room of which session, from when to when: one row per stay."""
    header = ["Session", "Room", "Name", "Email", "School", "Joined", "Left", "Minutes", "How they came",
              "Why they left"]
    rows = [[s.session_title, s.room_name, s.participant.name, s.participant.email,
             s.participant.school.name if s.participant.school else "", _time(s.joined_at, tz),
             _time(s.left_at, tz) if s.left_at else "still in the room",
             minutes(s.left_at - s.joined_at) if s.left_at else "", s.arrived, s.left] for s in stays]
    return write_csv([header, *rows])


def action_items_csv(data: ShareOut, tz: zoneinfo.ZoneInfo) -> str:
    header = ["Owner", "Name", "Detail", "Rank", "Action item", "Last changed by", "Last changed"]
    rows = [[group.kind, group.name, group.detail, rank, item.text,
             item.updated_by.name if item.updated_by else "", _time(item.updated_at, tz)]
            for group in [*data.teams, *data.rooms] for rank, item in enumerate(group.items, start=1)]
    return write_csv([header, *rows])


def polls_csv(reports: list[PollReport], tz: zoneinfo.ZoneInfo) -> str:
    """Every poll's results: one row per option, overall ("All") and, for room polls, per room."""
    header = ["Session", "Asked at", "Question", "Kind", "Asked in", "Results shared", "Where", "Option",
              "Votes", "Percent of voters", "Voters", "Average (1-5)"]
    rows = []
    for r in reports:
        poll = r.poll
        start = [poll.session.title if poll.session else "", _time(poll.asked_at, tz), poll.question,
                 poll.get_kind_display(), poll.get_scope_display(), "yes" if poll.results_shared else "no"]
        for where, voters, mean, options in [("All", r.voters, r.mean, r.options),
                                             *[(s.name, s.voters, s.mean, s.options) for s in r.rooms]]:
            rows += [[*start, where, o.text, o.votes, o.percent, voters, "" if mean is None else mean]
                     for o in options]
    return write_csv([header, *rows])


def _time(value: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    return value.astimezone(tz).isoformat(timespec="minutes") if value else ""
