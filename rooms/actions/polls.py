"""Quick polls, live: ask, vote, close, share. Write, then publish through the one door.

Synchronous (handlers call these through ``database_sync_to_async``); each change is one
transaction, announced after it commits. Who may ask, close and share is decided once, by
the handlers' ``requires`` (convenings.permissions.Action.RUN_POLLS); what a poll and a vote
may hold is polls.rules.

What goes where:
* ``poll.opened`` and ``poll.closed``: the convening's group (everyone; each client shows the
  card if the poll is for where they are, and people moved into a room later already know it).
* ``poll.results``: to each moderator's own group while not shared, to the convening's group
  while shared. Results are a snapshot carrying the poll's ``version``, held for up to
  ``publish.COALESCE_S`` with a newer one replacing it: a hundred votes in a second cost a
  few fan-outs, not a hundred (and clients keep the newest version they hear).
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from convenings.models import Convening, Registration, Session
from convenings.permissions import ROLES, Action, allowed
from polls.models import Poll, Vote
from polls.results import latest_closed, open_poll, poll_tally, your_choices
from polls.rules import (
    Count,
    Kind,
    NotNow,
    OutOfScope,
    Scope,
    clean_choices,
    clean_options,
    clean_question,
    in_scope,
    may_open,
    scale_mean,
    scope_refusal,
)
from rooms.actions import NotFound
from rooms.actions.publish import convening_group, participant_group, publish, publish_latest
from rooms.breakouts import store
from signaling.protocol.internal import Deliver
from signaling.protocol.polls import (
    PollClosed,
    PollCount,
    PollEntry,
    PollOpened,
    PollResults,
    PollResultsBody,
    PollState,
    PollView,
    PollVoted,
    RoomCount,
)
from signaling.protocol.shapes import Person


def _person(poll: Poll) -> Person | None:
    asker = poll.asked_by
    return None if asker is None else Person(participant_id=asker.pk, name=asker.name)


def entry(poll: Poll) -> PollEntry:
    return PollEntry(id=poll.pk, question=poll.question, kind=poll.kind, options=list(poll.options),
                     scope=poll.scope, state=poll.state, results_shared=poll.results_shared,
                     asked_by=_person(poll), asked_at=poll.asked_at)


def _count(poll: Poll, count: Count) -> PollCount:
    mean = scale_mean(count) if poll.kind == Kind.SCALE else None
    return PollCount(counts=list(count.counts), voters=count.voters, mean=mean)


def results(poll: Poll) -> PollResultsBody:
    result = poll_tally(poll)
    rooms = [RoomCount(space=space, name=poll.rooms.get(space, space), **_count(poll, c).model_dump())
             for space, c in result.by_space.items()] if poll.scope == Scope.ROOMS else []
    return PollResultsBody(poll_id=poll.pk, shared=poll.results_shared, total=_count(poll, result.total),
                           rooms=rooms, version=poll.version)


def _staff(convening_id: int) -> list[int]:
    roles = [role for role in ROLES if allowed(role, Action.RUN_POLLS)]
    return list(Registration.objects.filter(convening_id=convening_id, role__in=roles)
                .values_list("participant_id", flat=True))


def _publish_results(poll: Poll) -> None:
    """The newest results to whoever may see them (call inside the transaction)."""
    text = PollResults(**results(poll).model_dump()).to_json()
    event = Deliver(text=text)
    if poll.results_shared:
        publish_latest(convening_group(poll.convening_id), event, key=f"poll.{poll.pk}.results")
        return
    for person in _staff(poll.convening_id):
        publish_latest(participant_group(poll.convening_id, person), event, key=f"poll.{poll.pk}.results.{person}")


def _locked(convening_id: int, poll_id: int) -> Poll:
    poll = (Poll.objects.select_for_update(of=("self",)).select_related("asked_by__user")
            .filter(convening_id=convening_id, pk=poll_id).first())
    if poll is None:
        raise NotFound("There is no such poll in this convening.")
    return poll


def _rooms_open(convening_id: int) -> dict[str, str]:
    live = store.load(convening_id)
    keys = live.live_rooms()
    return {room.key: room.name for room in live.state.rooms if room.key in keys}


def ask(convening_id: int, by: Person, question: str, kind: str, options: Sequence[str], scope: str) -> PollEntry:
    """Open a poll for the plenary or for every open room; everyone hears ``poll.opened``."""
    question, kind_, scope_ = clean_question(question), Kind(kind), Scope(scope)
    options = clean_options(kind_, options)
    with transaction.atomic():
        # Lock the convening: two moderators asking at once cannot both open a poll.
        Convening.objects.select_for_update().filter(pk=convening_id).first()
        if not may_open(Poll.objects.filter(convening_id=convening_id, state=Poll.State.OPEN).count()):
            raise NotNow("A poll is open already: close it before asking another.")
        rooms = _rooms_open(convening_id) if scope_ is Scope.ROOMS else {}
        if scope_ is Scope.ROOMS and not rooms:
            raise NotNow("No breakout rooms are open: ask this poll in the plenary, or open rooms first.")
        now = timezone.now()
        session = Session.objects.filter(convening_id=convening_id, starts_at__lte=now, ends_at__gt=now).first()
        poll = Poll.objects.create(convening_id=convening_id, session=session, question=question, kind=kind_,
                                   options=list(options), scope=scope_, rooms=rooms, asked_at=now,
                                   asked_by_id=by.participant_id)
        poll = Poll.objects.select_related("asked_by__user").get(pk=poll.pk)
        opened = entry(poll)
        publish(convening_group(convening_id), PollOpened(poll=opened))
        _publish_results(poll)  # moderators' result bars start at zero
    return opened


def vote(convening_id: int, person: int, space: str, poll_id: int, choices: Sequence[int]) -> list[int]:
    """Record (or change) ``person``'s vote from ``space``; returns their choices."""
    with transaction.atomic():
        poll = _locked(convening_id, poll_id)
        if poll.state != Poll.State.OPEN:
            raise NotNow("This poll is closed: votes are no longer taken.")
        if not in_scope(Scope(poll.scope), space):
            raise OutOfScope(scope_refusal(Scope(poll.scope)))
        picked = list(clean_choices(Kind(poll.kind), len(poll.options), choices))
        Vote.objects.update_or_create(poll=poll, person_id=person,
                                      defaults={"space": space, "choices": picked, "voted_at": timezone.now()})
        _bump(poll)
        _publish_results(poll)
        publish(participant_group(convening_id, person), PollVoted(poll_id=poll.pk, choices=picked))
    return picked


def _bump(poll: Poll) -> None:
    Poll.objects.filter(pk=poll.pk).update(version=F("version") + 1)
    poll.refresh_from_db(fields=["version"])


def close(convening_id: int, by: Person, poll_id: int) -> None:
    with transaction.atomic():
        poll = _locked(convening_id, poll_id)
        if poll.state != Poll.State.OPEN:
            raise NotNow("This poll is closed already.")
        poll.state, poll.closed_at = Poll.State.CLOSED, timezone.now()
        poll.save(update_fields=["state", "closed_at"])
        _bump(poll)
        _publish_results(poll)
        final = results(poll) if poll.results_shared else None
        publish(convening_group(convening_id), PollClosed(poll_id=poll.pk, by=by, results=final))


def close_with_rooms(convening_id: int) -> None:
    """The last breakout room closed: a poll asked of every room closes with them (its results
    are kept; nobody is left in a room to answer it). Inside the rooms' change: one transaction."""
    poll = open_poll(convening_id)
    if poll is None or poll.scope != Scope.ROOMS:
        return
    # ``by`` is who asked (the rooms closed, by a moderator or the timer; the client shows no name).
    close(convening_id, _person(poll) or Person(participant_id=0, name=""), poll.pk)


def share(convening_id: int, poll_id: int, shared: bool) -> None:
    """Show the results to everyone, or to moderators only again."""
    with transaction.atomic():
        poll = _locked(convening_id, poll_id)
        if poll.results_shared == shared:
            return
        poll.results_shared = shared
        poll.save(update_fields=["results_shared"])
        _bump(poll)
        # To everyone either way: shared, they show the results; not shared, they hide them
        # (moderators keep showing theirs).
        text = PollResults(**results(poll).model_dump()).to_json()
        publish_latest(convening_group(convening_id), Deliver(text=text), key=f"poll.{poll.pk}.results")


def state(convening_id: int, person: int, staff: bool) -> PollState:
    """What someone entering or reconnecting sees: the open poll and the latest closed one
    whose results they may see, each with their own vote."""
    polls = [p for p in (latest_closed(convening_id, shared_only=not staff), open_poll(convening_id)) if p]
    views = [PollView(poll=entry(p), your_choices=your_choices(p, person),
                      results=results(p) if staff or p.results_shared else None) for p in polls]
    return PollState(polls=views)
