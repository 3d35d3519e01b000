"""Work inside a breakout room: notes.edit, room.sync, actions.update / actions.set,
help.request / help.withdraw.

A room's notes and Top 5 are for the people in it and for moderators (who may
use any room); anyone else gets ``forbidden``, an unknown room ``not_found``.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from convenings.permissions import Action
from rooms.actions import NotFound, notes, top_five
from rooms.actions import help as room_help
from rooms.breakouts import store
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles
from signaling.protocol import Error, ErrorCode, ProtocolError
from signaling.protocol.breakout_rooms import ActionsSet, ActionsUpdate, HelpRequest, HelpWithdraw, NotesEdit, RoomSync


def _check_access(convening_id: int, participant_id: int, room: str, staff: bool) -> bool:
    live = store.load(convening_id)
    if all(r.key != room for r in live.state.rooms):
        raise NotFound(f"There is no breakout room {room!r}.")
    return staff or live.where(participant_id) == room


async def _require_room(conn: Connection, room: str, ref: str | None) -> None:
    if not await db(_check_access)(conn.convening_id, conn.participant_id, room, conn.can(Action.JOIN_ANY_ROOM)):
        raise ProtocolError(ErrorCode.FORBIDDEN, "Only the room's members and moderators can work in it.", ref)


# Merging a stale notes edit is CPU work (bounded: rooms/breakouts/merge.py). It gets a
# thread of its own: on the database thread — one per worker, shared by every message —
# it would hold up everyone's chat; on the event loop, everyone's frames. One merge at a
# time: a burst of them queues here instead of contending with the rest for the GIL.
_MERGING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convene-notes-merge")
# Saves racing the merge: retry on the newer notes, then give up with a conflict.
SAVE_ATTEMPTS = 3


async def _save_notes(conn: Connection, message: NotesEdit) -> notes.Saved:
    """Compare-and-set: save; if others saved since the base version, merge off the database
    thread and save the merge if the notes have not moved again meanwhile."""
    made_for, text = message.base_version, message.text
    for attempt in range(1, SAVE_ATTEMPTS + 1):
        outcome = await db(notes.save)(conn.convening_id, message.room, message.base_version, text, conn.person,
                                       made_for=made_for)
        if isinstance(outcome, notes.Saved):
            return outcome
        if attempt == SAVE_ATTEMPTS:
            raise notes.NotesConflict(outcome.current, notes.BUSY)
        text = await asyncio.get_running_loop().run_in_executor(_MERGING, notes.merged, outcome, message.text)
        made_for = outcome.current.version
    raise AssertionError("unreachable")


@handles(NotesEdit)
async def edit_notes(conn: Connection, message: NotesEdit) -> None:
    await _require_room(conn, message.room, message.id)
    try:
        saved = await _save_notes(conn, message)
    except notes.NotesConflict as conflict:
        # Never overwritten: say why, then give the text the edit must be made on.
        await conn.reply(Error(code=ErrorCode.NOTES_CONFLICT, message=str(conflict), ref=message.id))
        await conn.reply(conflict.current)
        return
    # A change reaches the writer with the room's notes.updated. Exactly one answer otherwise
    # too: nothing changed (the same text), or a moderator writing from another space.
    if not saved.changed or conn.space != message.room:
        await conn.reply(saved.message)


@handles(RoomSync)
async def sync_room(conn: Connection, message: RoomSync) -> None:
    await _require_room(conn, message.room, message.id)
    await conn.reply(await db(notes.current)(conn.convening_id, message.room))
    await conn.reply(await db(top_five.items)(conn.convening_id, message.room))


@handles(ActionsUpdate)
async def update_actions(conn: Connection, message: ActionsUpdate) -> None:
    await _require_room(conn, message.room, message.id)
    await db(top_five.update)(conn.convening_id, message.room, message.op, conn.participant_id,
                              message.item_id, message.text, message.at)


@handles(ActionsSet)
async def set_actions(conn: Connection, message: ActionsSet) -> None:
    await _require_room(conn, message.room, message.id)
    await db(top_five.replace_all)(conn.convening_id, message.room, message.items, conn.participant_id)


@handles(HelpRequest)
async def request_help(conn: Connection, message: HelpRequest) -> None:
    await db(room_help.request)(conn.convening_id, conn.participant_id)


@handles(HelpWithdraw)
async def withdraw_help(conn: Connection, message: HelpWithdraw) -> None:
    await db(room_help.withdraw)(conn.convening_id, conn.participant_id)
