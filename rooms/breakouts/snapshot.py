"""The live breakouts in the protocol's shapes (signaling.protocol.breakouts)."""
from __future__ import annotations

import datetime as dt

from rooms.breakouts import roster
from rooms.breakouts.store import Live
from rooms.live import LiveBreakouts, LiveRoom
from rooms.rounds import RoundSequence
from signaling.protocol.breakout_rooms import HelpQueue
from signaling.protocol.breakouts import (
    BreakoutAssigned,
    BreakoutChanged,
    BreakoutRooms,
    BreakoutSnapshot,
    BreakoutState,
    FreeRoom,
    HelpCall,
    RoomRef,
    RoomStatus,
    RoundOut,
    RoundsStatus,
)


def moment(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def room_ref(live: Live, room: LiveRoom) -> RoomRef:
    return RoomRef(key=room.key, name=room.name, topic=live.topics.get(str(room.topic_id)) if room.topic_id else None)


def _members(state: LiveBreakouts) -> dict[str, list[int]]:
    by_room: dict[str, list[int]] = {r.key: [] for r in state.rooms}
    for person, room in state.assignments.items():
        if room in by_room:
            by_room[room].append(int(person))
    return by_room


def help_calls(live: Live) -> list[HelpCall]:
    queue = live.state.help_queue
    names = roster.names([int(h.person) for h in queue]) if queue else {}
    rooms = {r.key: r.name for r in live.state.rooms}
    return [HelpCall(participant_id=int(h.person), name=names.get(int(h.person), ""), room=h.room,
                     room_name=rooms.get(h.room, h.room), requested_at=moment(h.requested_at))
            for h in queue]


def _visitors(live: Live) -> dict[str, list[int]]:
    visitors: dict[str, list[int]] = {}
    for person, room in sorted(live.visits.items()):
        visitors.setdefault(room, []).append(person)
    return visitors


def _rooms(live: Live, only: set[str] | None = None) -> list[RoomStatus]:
    members, visitors = _members(live.state), _visitors(live)
    return [RoomStatus(**room_ref(live, r).model_dump(), state=r.state, members=members[r.key],
                       count=len(members[r.key]), capacity=r.capacity, visitors=visitors.get(r.key, []))
            for r in live.state.rooms if only is None or r.key in only]


def snapshot(live: Live, now: float, staff: bool, calls: list[HelpCall] | None = None) -> BreakoutSnapshot:
    """What one connection sees; ``calls`` (help_calls) saves a query when building many."""
    rooms = _rooms(live)
    queue = (calls if calls is not None else help_calls(live)) if staff else None
    return BreakoutSnapshot(session_id=live.session_id, version=live.version, mode=live.state.mode, rooms=rooms,
                            ends_at=moment(live.state.ends_at), closes_at=moment(live.state.closing_ends_at),
                            now=moment(now), help_queue=queue, rounds=rounds_status(live.rounds))


def rounds_status(sequence: RoundSequence | None) -> RoundsStatus | None:
    if sequence is None:
        return None
    return RoundsStatus(state=sequence.state, number=sequence.current, total=len(sequence.rounds),  # type: ignore[arg-type]
                        rounds=[RoundOut(strategy=r.strategy, minutes=r.minutes)  # type: ignore[arg-type]
                                for r in sequence.rounds],
                        grace_s=sequence.grace_seconds, room_keys=[list(k) for k in sequence.room_keys],
                        repeated_pairs=sequence.repeats, note=sequence.note)


def state_messages(live: Live, now: float) -> tuple[BreakoutState, BreakoutState, HelpQueue]:
    """(everyone's breakout.state, moderators' breakout.state, moderators' help.queue)."""
    calls = help_calls(live)
    public = BreakoutState.model_construct(**dict(snapshot(live, now, staff=False)))  # built and checked once
    return public, public.model_copy(update={"help_queue": calls}), HelpQueue(requests=calls)


def _same_rooms(before: Live, after: Live) -> bool:
    """Everything but who is where is as it was: the rooms, their states, the clock, the help queue."""
    a, b = before.state, after.state
    return (before.session_id == after.session_id and before.topics == after.topics and a.rooms == b.rooms
            and before.rounds == after.rounds
            and (a.mode, a.ends_at, a.closing_ends_at, a.help_queue) == (b.mode, b.ends_at, b.closing_ends_at,
                                                                          b.help_queue))


def changed(before: Live, after: Live, now: float) -> BreakoutChanged | None:
    """A change that only moved people, as the rooms it touched (None: send the whole state).

    A move used to resend every room's member list to the whole convening: 1,000 frames of
    a 100-room snapshot for one person's move."""
    if not _same_rooms(before, after):
        return None
    was, now_in = _members(before.state), _members(after.state)
    was_visited, visited = _visitors(before), _visitors(after)
    touched = {r.key for r in after.state.rooms
               if was[r.key] != now_in[r.key] or was_visited.get(r.key) != visited.get(r.key)}
    return BreakoutChanged(version=after.version, base_version=before.version, rooms=_rooms(after, touched),
                           now=moment(now))


def free_rooms(live: Live) -> BreakoutRooms:
    members = _members(live.state)
    return BreakoutRooms(rooms=[
        FreeRoom(**room_ref(live, r).model_dump(), count=len(members[r.key]), capacity=r.capacity,
                 free=None if r.capacity is None else max(0, r.capacity - len(members[r.key])))
        for r in live.state.rooms if r.key in live.live_rooms()])


def assigned(live: Live, room_key: str, now: float) -> BreakoutAssigned:
    room = live.state.room(room_key)
    return BreakoutAssigned(room=room_ref(live, room), ends_at=moment(live.state.ends_at), now=moment(now))
