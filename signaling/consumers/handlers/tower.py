"""tower.*: the moderators' control tower (signaling/protocol/tower.py).

Each of watching, listening in and speaking to rooms is one task of the connection
(``conn.tasks``, by name): a newer request replaces it, stopping spawns nothing in its
place, and closing the socket cancels it — its ``finally`` takes the moderator's audio
out of the rooms and tells them. While it runs, it checks every few seconds that the rooms
are still open and the moderator's media connection is the same one; if not, it ends.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Coroutine
from contextlib import suppress
from typing import Any

from convenings.permissions import Action
from rooms import activity
from rooms.actions import NotFound, tower
from rooms.actions.publish import space_group
from signaling.consumers import media_session
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles
from signaling.media import relay_spaces
from signaling.media.errors import MediaError
from signaling.media.relay import Backend
from signaling.protocol import Error, ErrorCode, ProtocolError
from signaling.protocol.base import Ack
from signaling.protocol.tower import (
    RoomActivityOut,
    TowerActivity,
    TowerListen,
    TowerListening,
    TowerSpeak,
    TowerSpeaking,
    TowerStopListening,
    TowerStopSpeaking,
    TowerWatch,
)

logger = logging.getLogger("convene.tower")
FEED_S = 2.0  # the activity feed's tick: "speaking now" is at most this stale
CHECK_S = 2.0  # how often listening / speaking checks that its rooms are still open
# Wall clock minus the media server's monotonic clock, once: quiet_since stays stable.
CLOCK_OFFSET = time.time() - time.monotonic()
WATCH, LISTEN, SPEAK = "tower-watch", "tower-listen", "tower-speak"
WHAT = "use the control tower"


async def _nothing() -> None:
    """Spawned in a task's place (``replacing``): stops it."""


def _stop(conn: Connection, name: str) -> None:
    conn.tasks.spawn(_nothing(), name, replacing=True)


def _spawn(conn: Connection, work: Coroutine[Any, Any, None], name: str) -> None:
    conn.tasks.spawn(work, name, replacing=True)


# ---- room activity ------------------------------------------------------------------------------

@handles(TowerWatch, requires=Action.JOIN_ANY_ROOM, what=WHAT)
async def watch(conn: Connection, message: TowerWatch) -> None:
    if not message.on:
        _stop(conn, WATCH)
        if message.id is not None:
            await conn.reply(Ack(ref=message.id))
        return
    _spawn(conn, _feed(conn, message.id), WATCH)


async def lines(convening_id: int) -> dict[str, activity.RoomActivity]:
    """Every open room's activity line now."""
    facts = await db(tower.room_facts)(convening_id)
    keys = {space_group(convening_id, f.key): f.key for f in facts}
    spaces = await relay_spaces.activity(list(keys))  # wherever each room's media lives
    now = time.monotonic()
    media = {keys[k]: activity.MediaFacts(heard=m.heard, trouble=m.trouble) for k, m in spaces.items()}
    return activity.summarize_all(facts, media, now, CLOCK_OFFSET)


def out(line: activity.RoomActivity) -> RoomActivityOut:
    quiet = None if line.quiet_since is None else _moment(line.quiet_since)
    return RoomActivityOut(room=line.room, name=line.name, people=line.people, speaking=list(line.speaking),
                           quiet_since=quiet, heard=line.heard, top_five=line.top_five, help=line.help,
                           trouble=list(line.trouble))


def _moment(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


async def _feed(conn: Connection, ref: str | None) -> None:
    before: dict[str, activity.RoomActivity] | None = None
    while True:
        try:
            after = await lines(conn.convening_id)
            changed, gone = activity.delta(before or {}, after)
            if before is None or changed or gone:
                await conn.reply(TowerActivity(rooms=[out(line) for line in changed], gone=gone,
                                               full=before is None, ref=ref if before is None else None))
            before = after
        except Exception:  # noqa: BLE001 — a database hiccup: the next tick tries again
            logger.exception("tower activity for convening %s failed", conn.convening_id)
            if ref is not None and before is None:  # the request gets its one answer
                await conn.reply(Error(code=ErrorCode.INTERNAL, message="Room activity failed on our side; "
                                       "it is tried again every few seconds.", ref=ref))
                ref = None
        await asyncio.sleep(FEED_S)


# ---- listening in and speaking to rooms -----------------------------------------------------------

def _media_of(conn: Connection, ref: str | None) -> tuple[str, Backend]:
    """The moderator's media connection and the media server it is on (this process's, or a
    media worker: then the rooms must live on that worker too, relay_spaces._alongside)."""
    session = media_session.SESSIONS.get(conn.channel_name)
    if session is None or session.media_id is None or session.backend is None:
        raise ProtocolError(ErrorCode.UNKNOWN_PARTICIPANT, "Start your media (microphone) first.", ref)
    return session.media_id, session.backend


def _same_media(conn: Connection, media_id: str) -> bool:
    session = media_session.SESSIONS.get(conn.channel_name)
    return session is not None and session.media_id == media_id


async def _apply(step: Awaitable[None], ref: str | None) -> None:
    try:
        await step
    except MediaError as exc:
        raise ProtocolError(ErrorCode(exc.code), exc.message, ref) from exc


@handles(TowerListen, requires=Action.JOIN_ANY_ROOM, what=WHAT)
async def listen(conn: Connection, message: TowerListen) -> None:
    media_id, hub = _media_of(conn, message.id)
    if message.room not in await db(tower.live_rooms)(conn.convening_id):
        raise NotFound(f"There is no open room {message.room!r}.")
    if message.room == conn.space:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, "You are in that room: you hear it already.", message.id)
    _stop(conn, LISTEN)  # the earlier room is told first
    await _apply(relay_spaces.listen(hub, media_id, space_group(conn.convening_id, message.room), room=message.room),
                 message.id)
    _spawn(conn, _listening(conn, hub, media_id, message.room), LISTEN)


@handles(TowerStopListening, requires=Action.JOIN_ANY_ROOM, what=WHAT)
async def stop_listening(conn: Connection, message: TowerStopListening) -> None:
    _stop(conn, LISTEN)


async def _listening(conn: Connection, hub: Backend, media_id: str, room: str) -> None:
    cid, by = conn.convening_id, conn.person
    try:
        await db(tower.listening)(cid, room, by, True)
        await conn.reply(TowerListening(room=room, by=by, listening=True))
        members = (await db(tower.live_members)(cid)).get(room)
        while members is not None and _same_media(conn, media_id):
            await asyncio.sleep(CHECK_S)
            now = (await db(tower.live_members)(cid)).get(room)
            if now is not None and now - members:  # people who came in since are told too
                await db(tower.listening)(cid, room, by, True)
            members = now
    finally:
        with suppress(MediaError):  # unless already replaced by a newer room
            await relay_spaces.unlisten(hub, media_id, space_group(cid, room))
        await _quietly(db(tower.listening)(cid, room, by, False))
        await _quietly(conn.reply(TowerListening(room=room, by=by, listening=False)))


@handles(TowerSpeak, requires=Action.JOIN_ANY_ROOM, what=WHAT)
async def speak(conn: Connection, message: TowerSpeak) -> None:
    media_id, hub = _media_of(conn, message.id)
    live = await db(tower.live_rooms)(conn.convening_id)
    asked = None if message.rooms == "all" else list(dict.fromkeys(message.rooms))
    unknown = [r for r in asked or () if r not in live]
    if unknown:
        raise NotFound(f"There is no open room {unknown[0]!r}.")
    rooms = live if asked is None else asked
    if not rooms:
        raise NotFound("No room is open.")
    _stop(conn, SPEAK)
    await _apply(relay_spaces.speak(hub, media_id, _keys(conn, rooms), rooms=_names(conn, rooms)), message.id)
    _spawn(conn, _speaking(conn, hub, media_id, rooms, to_all=asked is None), SPEAK)


@handles(TowerStopSpeaking, requires=Action.JOIN_ANY_ROOM, what=WHAT)
async def stop_speaking(conn: Connection, message: TowerStopSpeaking) -> None:
    _stop(conn, SPEAK)


def _keys(conn: Connection, rooms: list[str]) -> frozenset[str]:
    return frozenset(space_group(conn.convening_id, room) for room in rooms)


def _names(conn: Connection, rooms: list[str]) -> dict[str, str]:
    return {space_group(conn.convening_id, room): room for room in rooms}


async def _speaking(conn: Connection, hub: Backend, media_id: str, rooms: list[str], *, to_all: bool) -> None:
    cid, by = conn.convening_id, conn.person
    keys = _keys(conn, rooms)
    try:
        await db(tower.speaking)(cid, rooms, by, True, to_all)
        await conn.reply(TowerSpeaking(by=by, speaking=True, to_all=to_all, at=_now()))
        members = await db(tower.live_members)(cid)
        while _same_media(conn, media_id):
            await asyncio.sleep(CHECK_S)
            live = await db(tower.live_members)(cid)
            now = list(live) if to_all else [r for r in rooms if r in live]
            if not now:
                break
            if now != rooms:  # rooms closed, or (to all) opened: the voice follows
                try:
                    await relay_spaces.speak(hub, media_id, _keys(conn, now), rooms=_names(conn, now))
                    keys = _keys(conn, now)
                except MediaError:  # a new room on another media worker: it does not hear the voice
                    logger.warning("tower: speaking to %s failed", now, exc_info=True)
                    now = rooms
            # New rooms, and rooms people came into since, are told (again: the rest ignore it).
            told = [r for r in now if r not in rooms or live[r] - members.get(r, frozenset())]
            if told:
                await db(tower.speaking)(cid, told, by, True, to_all)
            rooms, members = now, live
    finally:
        with suppress(MediaError):  # unless already replaced by a newer tower.speak
            await relay_spaces.unspeak(hub, media_id, keys)
        await _quietly(db(tower.speaking)(cid, rooms, by, False, to_all))
        await _quietly(conn.reply(TowerSpeaking(by=by, speaking=False, to_all=to_all, at=_now())))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _quietly(work: Awaitable[Any]) -> None:
    """Ending: the socket may be gone already; the rooms are told anyway."""
    try:
        await work
    except Exception:  # noqa: BLE001
        logger.info("tower: could not tell about the end", exc_info=True)
