"""A breakout session's draft plan: generate, edit (optimistic version), CSV in and out.

Every change locks the draft row and raises its version. An edit names the
version its author saw; if someone changed the plan since, the edit is refused
with the current plan (StalePlan) rather than applied to a plan nobody looked at.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from convenings.models import Session
from rooms import plan_edits
from rooms.actions import NotFound
from rooms.breakout_models import BreakoutPlanDraft
from rooms.breakouts import codec, keys, roster
from rooms.plan_csv import plan_from_csv, plan_to_csv
from rooms.planning import Plan, PlanEditError, PlanOptions, plan_breakouts


@dataclass(frozen=True)
class Draft:
    session_id: int
    version: int
    plan: Plan
    options: PlanOptions | None


class StalePlan(Exception):
    """The edit was made on an older version; ``current`` is the plan as it is now."""

    def __init__(self, current: Draft, seen: int) -> None:
        super().__init__(f"The plan changed (version {current.version}, you edited version {seen}); "
                         "here is the current plan.")
        self.current = current


@dataclass(frozen=True)
class PlanEdit:
    """One edit a moderator makes: op is move | swap | add_room | rename_room | remove_room."""

    op: str
    person: int | None = None
    other: int | None = None
    room: str | None = None
    name: str | None = None
    topic_id: str | None = None
    members_to: str = "smallest"


def session_of(convening_id: int, session_id: int) -> Session:
    """The convening's session with that id (NotFound for another convening's)."""
    session = Session.objects.filter(pk=session_id, convening_id=convening_id).first()
    if session is None:
        raise NotFound(f"There is no session {session_id} in this convening.")
    return session


def _draft(row: BreakoutPlanDraft) -> Draft:
    options = codec.options_from_json(row.options) if row.options else None
    return Draft(row.session_id, row.version, codec.plan_from_json(row.plan), options)


def load(session_id: int) -> Draft | None:
    row = BreakoutPlanDraft.objects.filter(session_id=session_id).first()
    return _draft(row) if row else None


KEEP = "keep"  # _save: an edit keeps the options the plan was generated with


def _save(session: Session, plan: Plan, options: PlanOptions | None | str, by_id: int | None,
          expect: int | None = None) -> Draft:
    """Save the plan; ``options``: how it was generated, None (not generated: imported) or KEEP."""
    row = BreakoutPlanDraft.objects.select_for_update().filter(session=session).first()
    if row is None:
        row = BreakoutPlanDraft(session=session, version=0)
    elif expect is not None and row.version != expect:
        raise StalePlan(_draft(row), expect)
    row.plan = codec.plan_to_json(keys.with_space_keys(plan, session.pk))
    if options != KEEP:
        row.options = codec.options_to_json(options) if isinstance(options, PlanOptions) else {}
    row.version += 1
    row.updated_at, row.updated_by_id = timezone.now(), by_id
    row.save()
    return _draft(row)


def generate(session: Session, options: PlanOptions, by_id: int | None = None) -> Draft:
    """Plan from the session's topics and the people connected now (replaces any draft);
    ``options.everyone``: everyone registered, connected or not (planning ahead)."""
    here = None if options.everyone else roster.connected(session.convening_id)
    plan = plan_breakouts(roster.people_for(session), roster.topics_for(session), options, here)
    with transaction.atomic():
        return _save(session, plan, options, by_id)


def _applied(plan: Plan, edit: PlanEdit, session_id: int) -> Plan:
    if edit.room is not None and edit.op != "add_room" and all(r.key != edit.room for r in plan.rooms):
        raise NotFound(f"There is no room {edit.room!r} in this plan.")
    changes: dict[str, Callable[[], Plan]] = {
        "move": lambda: plan_edits.move_person(plan, edit.person, edit.room),  # type: ignore[arg-type]
        "swap": lambda: plan_edits.swap_people(plan, edit.person, edit.other),  # type: ignore[arg-type]
        "add_room": lambda: plan_edits.add_room(plan, edit.name or "", edit.topic_id,
                                                keys.new_room_key(plan, session_id)),
        "rename_room": lambda: plan_edits.rename_room(plan, edit.room, edit.name or ""),  # type: ignore[arg-type]
        "remove_room": lambda: plan_edits.remove_room(plan, edit.room, edit.members_to),  # type: ignore[arg-type]
    }
    try:
        return changes[edit.op]()
    except PlanEditError as exc:
        if str(exc).startswith("unknown person"):
            raise NotFound(f"That person is not in this plan ({exc}).") from exc
        raise


def edit(session: Session, version: int, change: PlanEdit, by_id: int | None = None) -> Draft:
    with transaction.atomic():
        row = BreakoutPlanDraft.objects.select_for_update().filter(session=session).first()
        if row is None:
            raise NotFound("This session has no breakout plan yet.")
        if row.version != version:
            raise StalePlan(_draft(row), version)
        plan = _applied(codec.plan_from_json(row.plan), change, session.pk)
        return _save(session, plan, KEEP, by_id, expect=version)


def import_csv(session: Session, text: str, by_id: int | None = None) -> Draft:
    """Replace the draft with a plan from CSV (PlanImportError lists every bad line).
    The plan was not generated: its generation options are dropped, so a reshuffle
    refuses rather than silently planning over the imported rooms."""
    plan = plan_from_csv(text, roster.people_for(session), roster.topics_for(session))
    with transaction.atomic():
        return _save(session, plan, None, by_id)


def export_csv(session: Session) -> str:
    draft = load(session.pk)
    if draft is None:
        raise NotFound("This session has no breakout plan yet.")
    return plan_to_csv(draft.plan, roster.people_for(session))
