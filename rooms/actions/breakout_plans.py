"""Draft breakout plans over the live connection: generate, edit, reshuffle, show.

Every change reaches all moderators as ``breakout.plan_ready`` (several may prepare
the plan together); a stale edit raises drafts.StalePlan with the current plan.
"""
from __future__ import annotations

from dataclasses import replace

from django.db import transaction

from convenings.models import Session
from rooms.actions import NotFound
from rooms.actions.breakout_publish import to_staff
from rooms.breakouts import drafts, roster
from rooms.breakouts.drafts import Draft, PlanEdit
from rooms.planning import PlanOptions
from signaling.protocol.breakouts import BreakoutPlanReady, PlanRoom, PlanStatsOut, PlanUnplaced
from signaling.protocol.shapes import Person


def plan_ready(session: Session, draft: Draft, by: Person | None = None) -> BreakoutPlanReady:
    topics = {t.id: t.name for t in roster.topics_for(session)}
    plan = draft.plan
    return BreakoutPlanReady(
        session_id=session.pk, version=draft.version, by=by,
        rooms=[PlanRoom(key=r.key, name=r.name, topic=topics.get(str(r.topic_id)) if r.topic_id else None,
                        topic_id=None if r.topic_id is None else str(r.topic_id), members=[int(m) for m in r.members])
               for r in plan.rooms],
        unplaced=[PlanUnplaced(participant_id=int(u.person), reason=u.reason) for u in plan.unplaced],
        stats=PlanStatsOut(**vars(plan.stats)), fits_no_topic=[int(p) for p in plan.fits_none])


def _announce(session: Session, draft: Draft, by: Person | None) -> BreakoutPlanReady:
    message = plan_ready(session, draft, by)
    to_staff(session.convening_id, message)
    return message


def make(convening_id: int, session_id: int, options: PlanOptions, by: Person | None = None) -> BreakoutPlanReady:
    session = drafts.session_of(convening_id, session_id)
    with transaction.atomic():
        draft = drafts.generate(session, options, by.participant_id if by else None)
        return _announce(session, draft, by)


def show(convening_id: int, session_id: int) -> BreakoutPlanReady:
    session = drafts.session_of(convening_id, session_id)
    draft = drafts.load(session.pk)
    if draft is None:
        raise NotFound("This session has no breakout plan yet.")
    return plan_ready(session, draft)


def edit(convening_id: int, session_id: int, version: int, change: PlanEdit,
         by: Person | None = None) -> BreakoutPlanReady:
    session = drafts.session_of(convening_id, session_id)
    with transaction.atomic():
        draft = drafts.edit(session, version, change, by.participant_id if by else None)
        return _announce(session, draft, by)


def reshuffle(session: Session, by: Person | None = None) -> Draft:
    """Plan the session anew with the next seed (same options) and tell the moderators."""
    current = drafts.load(session.pk)
    if current is None:
        raise NotFound("This session has no breakout plan to reshuffle.")
    if current.options is None:
        raise NotFound("This plan was imported from CSV, not generated, so it cannot be reshuffled: "
                       "reopen it as it is, or generate a new plan.")
    with transaction.atomic():
        draft = drafts.generate(session, replace(current.options, seed=current.options.seed + 1),
                                by.participant_id if by else None)
        _announce(session, draft, by)
    return draft
