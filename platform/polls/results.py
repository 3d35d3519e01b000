"""Reading polls: a poll's tally, the polls someone sees, and every poll for the report.

Only reads; the live changes (ask, vote, close, share) are rooms.actions.polls.
"""
from __future__ import annotations

from dataclasses import dataclass

from polls.models import Poll, Vote
from polls.rules import Count, Kind, Tally, scale_mean, tally


def poll_tally(poll: Poll) -> Tally:
    votes = Vote.objects.filter(poll=poll).values_list("space", "choices")
    return tally(len(poll.options), ((space, choices) for space, choices in votes))


def open_poll(convening_id: int) -> Poll | None:
    return (Poll.objects.filter(convening_id=convening_id, state=Poll.State.OPEN)
            .select_related("asked_by__user").order_by("-asked_at", "-id").first())


def latest_closed(convening_id: int, shared_only: bool) -> Poll | None:
    polls = Poll.objects.filter(convening_id=convening_id, state=Poll.State.CLOSED)
    if shared_only:
        polls = polls.filter(results_shared=True)
    return polls.select_related("asked_by__user").order_by("-closed_at", "-id").first()


def your_choices(poll: Poll, person: int) -> list[int]:
    return list(Vote.objects.filter(poll=poll, person_id=person).values_list("choices", flat=True).first() or [])


@dataclass(frozen=True)
class OptionResult:
    text: str
    votes: int
    percent: int


@dataclass(frozen=True)
class SpaceResult:
    name: str
    voters: int
    mean: float | None
    options: list[OptionResult]


@dataclass(frozen=True)
class PollReport:
    """A poll as the convening report shows it: overall and, for room polls, per room."""

    poll: Poll
    voters: int
    mean: float | None
    options: list[OptionResult]
    rooms: list[SpaceResult]

    @property
    def table(self) -> list[tuple[str, list[OptionResult]]]:
        """One row per option: its result overall, then in each room (the report's table)."""
        return [(o.text, [o, *[room.options[i] for room in self.rooms]]) for i, o in enumerate(self.options)]


def _options(texts: list[str], count: Count) -> list[OptionResult]:
    return [OptionResult(t, n, p) for t, n, p in zip(texts, count.counts, count.percents(), strict=True)]


def _mean(poll: Poll, count: Count) -> float | None:
    return scale_mean(count) if poll.kind == Kind.SCALE else None


def report_polls(convening_id: int) -> list[PollReport]:
    """Every poll of the convening, in the order asked, with its results."""
    reports = []
    for poll in Poll.objects.filter(convening_id=convening_id).select_related("session").order_by("asked_at", "id"):
        result = poll_tally(poll)
        rooms = [SpaceResult(poll.rooms.get(space, space), c.voters, _mean(poll, c), _options(poll.options, c))
                 for space, c in result.by_space.items()] if poll.scope == "rooms" else []
        reports.append(PollReport(poll, result.total.voters, _mean(poll, result.total),
                                  _options(poll.options, result.total), rooms))
    return reports
