"""What a new convening of each kind starts with: a pure function of its kind and start.

An organizer picks a kind (statewide leadership academy, regional collaborative meeting,
district roundtable) and gets an agenda skeleton they then edit: plenary and breakout
sessions, the breakout strategy that fits the kind (``rooms.planning.STRATEGIES``) and the
topic kind its breakouts are about. No database, no Django: tested directly.

Times are laid out as real durations from the start (UTC arithmetic), never as wall-clock
times: across a daylight-saving change wall-clock steps can collide or vanish, while real
durations always stay ordered and never overlap (the local times shown shift by the hour).
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

ACADEMY, REGIONAL, ROUNDTABLE = "academy", "regional", "roundtable"  # convenings.Convening.Kind
PLENARY, BREAKOUT, TEAM_PLANNING = "plenary", "breakout", "team_planning"  # convenings.Session.Kind
# Topic kinds (convenings.Topic.Kind) a breakout session groups people by.
CORE_COMPONENT, REGION, ROLE = "core_component", "region", "role"

# Topics a new convening's breakouts get when the site has none of that kind yet.
# Role names match rooms.planning.GROUP_NAMES so the role strategy labels its rooms with them.
STARTER_TOPICS: dict[str, tuple[str, ...]] = {
    CORE_COMPONENT: ("Professional Learning", "Parent Engagement", "Technology Access and Equity",
                     "Digital Transformation"),
    ROLE: ("Administrators", "Coaches", "Technicians", "Teachers", "Support Staff"),
    REGION: (),  # the site's regions (people.Region) become the region topics
}


@dataclass(frozen=True)
class SessionDefault:
    order: int
    title: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    description: str
    topic_kind: str | None = None  # a breakout's topics: every topic of this kind


@dataclass(frozen=True)
class ConveningDefaults:
    kind: str
    title: str
    description: str
    breakout_strategy: str  # one of rooms.planning.STRATEGIES
    strategy_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    sessions: tuple[SessionDefault, ...]
    evaluation_survey: bool = True


@dataclass(frozen=True)
class _Step:
    title: str
    kind: str
    start_min: int  # minutes after the convening starts
    minutes: int
    description: str
    topic_kind: str | None = None


@dataclass(frozen=True)
class _Template:
    title: str
    description: str
    strategy: str
    strategy_label: str
    total_min: int
    steps: tuple[_Step, ...]


TEMPLATES: dict[str, _Template] = {
    ACADEMY: _Template(
        "Statewide Leadership Academy",
        "A day for School Leadership Teams: successes in progress, breakouts on the core "
        "components, team planning of the Top 5 Action Items, and a closing share-out.",
        "topic", "Topic interest (core components)", 6 * 60, (
            _Step("Opening plenary", PLENARY, 0, 60,
                  "Welcome, and schools sharing successes in progress."),
            _Step("Breakouts by core component", BREAKOUT, 75, 60,
                  "Small groups on the academy's core components, by each person's interests.",
                  CORE_COMPONENT),
            _Step("Team planning: Top 5 Action Items", TEAM_PLANNING, 150, 60,
                  "Each School Leadership Team refines its plan and ranks its Top 5 Action Items."),
            _Step("Breakouts: best practices", BREAKOUT, 225, 60,
                  "A second round on the core components: best practices from the field.",
                  CORE_COMPONENT),
            _Step("Closing plenary: sharing our Top 5", PLENARY, 300, 60,
                  "Teams share their Top 5 Action Items; evaluation survey."),
        )),
    REGIONAL: _Template(
        "Regional Collaborative Meeting",
        "Schools and districts of nearby regions meet: updates, regional breakouts and "
        "team planning.",
        "region", "Region (people from nearby schools together)", 4 * 60, (
            _Step("Welcome plenary", PLENARY, 0, 45, "Welcome and updates from the network."),
            _Step("Regional breakouts", BREAKOUT, 60, 60,
                  "Schools of each region work together on shared challenges.", REGION),
            _Step("Team planning time", TEAM_PLANNING, 135, 45,
                  "School Leadership Teams plan their next steps."),
            _Step("Closing plenary", PLENARY, 195, 45, "Share-out and evaluation survey."),
        )),
    ROUNDTABLE: _Template(
        "District Roundtable",
        "Coaches, technicians and administrators meet their peers across the district.",
        "role", "Job role (coaches, technicians, administrators …)", 150, (
            _Step("Welcome", PLENARY, 0, 20, "What today's roundtable is for."),
            _Step("Roundtable by job role", BREAKOUT, 25, 75,
                  "Peers in the same job role: supporting and retaining teachers, devices, "
                  "professional development.", ROLE),
            _Step("Closing share-out", PLENARY, 110, 40, "Each roundtable shares one idea; evaluation survey."),
        )),
}
KINDS: tuple[str, ...] = tuple(TEMPLATES)


def defaults_for(kind: str, starts_at: dt.datetime) -> ConveningDefaults:
    """The agenda skeleton and settings a new convening of ``kind`` starting at ``starts_at``
    (an aware datetime) begins with. Unknown kinds raise ValueError."""
    if kind not in TEMPLATES:
        raise ValueError(f"Unknown kind of convening {kind!r}; choose one of {', '.join(KINDS)}.")
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise ValueError("The start needs a time zone.")
    template = TEMPLATES[kind]
    start = starts_at.astimezone(dt.UTC)
    zone = starts_at.tzinfo

    def at(minutes: int) -> dt.datetime:
        return (start + dt.timedelta(minutes=minutes)).astimezone(zone)

    sessions = tuple(
        SessionDefault(order, step.title, step.kind, at(step.start_min), at(step.start_min + step.minutes),
                       step.description, step.topic_kind)
        for order, step in enumerate(template.steps, start=1))
    return ConveningDefaults(kind, template.title, template.description, template.strategy,
                             template.strategy_label, at(0), at(template.total_min), sessions)


class NoSuchLocalTime(ValueError):
    """A wall-clock time that does not exist on that day (the clocks jump forward over it)."""


def local_start(day: dt.date, time: dt.time, time_zone: str) -> dt.datetime:
    """The aware datetime of a date and wall-clock time in a time zone.

    An ambiguous time (clocks falling back) is the first of the two; a time that does not
    exist (clocks springing forward) is refused rather than silently moved.
    """
    zone = zoneinfo.ZoneInfo(time_zone)
    naive = dt.datetime.combine(day, time)
    aware = naive.replace(tzinfo=zone, fold=0)
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise NoSuchLocalTime(f"{time:%H:%M} does not exist on {day:%Y-%m-%d} in {time_zone}: "
                              "the clocks change then. Choose another start time.")
    return aware
