"""A breakouts event arriving at one connection (sent by rooms.actions.breakout_publish).

Two kinds of ``breakouts.event`` (signaling.protocol.internal.breakouts):

* ``Follow``: to one person's tabs — their notice (``breakout.assigned`` /
  ``breakout.returned``, or none for a moderator's own visit), then the switch
  of space (groups, then ``space.entered``).
* ``Lines``: the serialized messages for everyone (``public``) or for moderators
  (``staff``); the convening's event also names who moves (``moves``, person → space,
  with ``notices[space]``).

The convening event reaches a worker once (signaling.consumers.fanout) and is split
per connection by ``fan_out`` into ``Follow`` events and lines; ``handle`` is one
connection's share of what reaches its consumer (``Follow``, and a moderator's own lines
sent to their participant group). Both validate the event first: a malformed one is
logged and dropped.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from convenings.permissions import Action
from signaling.consumers.connection import Connection
from signaling.consumers.direct_write import Frame
from signaling.consumers.handlers import db
from signaling.consumers.welcome import space_entered
from signaling.protocol import PLENARY
from signaling.protocol.breakouts import RoomNotesText, RoomWork
from signaling.protocol.internal import parse
from signaling.protocol.internal.breakouts import BREAKOUTS_EVENT, Follow, Lines
from signaling.protocol.plenary import SpaceEntered

if TYPE_CHECKING:
    from signaling.consumers.fanout import Member  # fanout routes events here

class Host(Protocol):
    """What this module needs of the consumer."""

    conn: Connection | None

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False) -> None: ...

    async def enter_space(self, space: str, entered: SpaceEntered | None = None) -> None: ...


def is_staff(conn: Connection) -> bool:
    """Moderators (and organizers): they get the help queue and plans."""
    return conn.can(Action.JOIN_ANY_ROOM)


# What a fresh room (no chat, hands, notes or Top 5 yet: breakout_publish._fresh) holds.
EMPTY_ROOM = RoomWork(notes=RoomNotesText(version=0, text="", by=None), action_items=[])

# Rooms with history, entered by many connections of this worker in one change: one
# query per room, not per connection (keyed by the change's version).
_entered: dict[tuple[int, str, int], asyncio.Future[SpaceEntered]] = {}


async def _space_entered(conn: Connection, space: str, version: int) -> SpaceEntered:
    key = (conn.convening_id, space, version)
    future = _entered.get(key)
    if future is None:
        if len(_entered) > 256:
            _entered.clear()
        future = _entered[key] = asyncio.ensure_future(db(space_entered)(conn.convening_id, space, conn.limits))
    try:
        return await asyncio.shield(future)
    except Exception:
        _entered.pop(key, None)
        raise


async def _follow(host: Host, conn: Connection, follow: Follow) -> None:
    if follow.notice:
        await host.send(text_data=follow.notice)  # first: the person learns where they are going at once
    space = follow.space
    if space != conn.space:
        entered = (SpaceEntered(space=space, chat=[], hands=[], room_work=EMPTY_ROOM if space != PLENARY else None)
                   if follow.fresh else await _space_entered(conn, space, follow.version))
        await host.enter_space(space, entered)


async def handle(host: Host, event: dict[str, Any]) -> None:
    conn = host.conn
    parsed = parse(BREAKOUTS_EVENT, event, "a connection")
    if conn is None or parsed is None:
        return
    if isinstance(parsed, Follow):
        await _follow(host, conn, parsed)
        return
    for text in parsed.staff if is_staff(conn) else parsed.public:
        await host.send(text_data=text)


async def fan_out(members: list[Member], raw: dict[str, Any]) -> None:
    """The convening event to this worker's connections, each in its lane (fanout.Member).

    The moved people first: their notice is written at once (before anyone's state copy),
    their switch of space waits its turn in their lane; then everyone's lines, each text
    framed once. A moved person's lines queue behind their ``space.entered``.
    """
    event = parse(BREAKOUTS_EVENT, raw, "a worker's fan-out")  # once per worker, not per connection
    if event is None:
        return
    if isinstance(event, Follow):  # a person's event: not expected on a shared group, but keep its meaning
        for member in members:
            member.offer_event(raw)
        return
    if event.moves:
        await _fan_out_moves(members, event)
    public, staff = [Frame(t) for t in event.public], [Frame(t) for t in event.staff]
    for member in members:
        for frame in staff if member.staff else public:
            await member.offer(frame)


async def _fan_out_moves(members: list[Member], event: Lines) -> None:
    notices = {space: Frame(text) for space, text in event.notices.items()}
    fresh = set(event.fresh)
    follows: dict[str, dict[str, Any]] = {}  # one event per destination, shared by who goes there
    for member in members:
        space = event.moves.get(str(member.participant_id))
        if space is None:
            continue
        if (notice := notices.get(space)) is not None:
            await member.offer(notice)
        # The consumer switches space (groups, space.entered) through the ``follow`` path.
        if space not in follows:
            follows[space] = Follow(space=space, fresh=space in fresh, version=event.version).to_event()
        member.offer_event(follows[space])
