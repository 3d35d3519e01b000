"""The live breakouts in the protocol's shapes (signaling.protocol.breakouts)."""
from __future__ import annotations

import datetime as dt

from rooms.breakouts import roster
from rooms.breakouts.store import Live
from rooms.live import LiveBreakouts, LiveRoom
from signaling.protocol.breakout_rooms import HelpQueue
from signaling.protocol.breakouts import (
    BreakoutAssigned, BreakoutRooms, BreakoutSnapshot, BreakoutState, FreeRoom, HelpCall, RoomRef, RoomStatus,
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


def snapshot(live: Live, now: float, staff: bool, calls: list[HelpCall] | None = None) -> BreakoutSnapshot:
    """What one connection sees; ``calls`` (help_calls) saves a query when building many."""
    members = _members(live.state)
    visitors: dict[str, list[int]] = {}
    for person, room in sorted(live.visits.items()):
        visitors.setdefault(room, []).append(person)
    rooms = [RoomStatus(**room_ref(live, r).model_dump(), state=r.state, members=members[r.key],
                        count=len(members[r.key]), capacity=r.capacity, visitors=visitors.get(r.key, []))
             for r in live.state.rooms]
    queue = (calls if calls is not None else help_calls(live)) if staff else None
    return BreakoutSnapshot(session_id=live.session_id, version=live.version, mode=live.state.mode, rooms=rooms,
                            ends_at=moment(live.state.ends_at), closes_at=moment(live.state.closing_ends_at),
                            now=moment(now), help_queue=queue)


def state_messages(live: Live, now: float) -> tuple[BreakoutState, BreakoutState, HelpQueue]:
    """(everyone's breakout.state, moderators' breakout.state, moderators' help.queue)."""
    calls = help_calls(live)
    public = BreakoutState.model_construct(**dict(snapshot(live, now, staff=False)))  # built and checked once
    return public, public.model_copy(update={"help_queue": calls}), HelpQueue(requests=calls)


def free_rooms(live: Live) -> BreakoutRooms:
    members = _members(live.state)
    return BreakoutRooms(rooms=[
        FreeRoom(**room_ref(live, r).model_dump(), count=len(members[r.key]), capacity=r.capacity,
                 free=None if r.capacity is None else max(0, r.capacity - len(members[r.key])))
        for r in live.state.rooms if r.key in live.live_rooms()])


def assigned(live: Live, room_key: str, now: float) -> BreakoutAssigned:
    room = live.state.room(room_key)
    return BreakoutAssigned(room=room_ref(live, room), ends_at=moment(live.state.ends_at), now=moment(now))
