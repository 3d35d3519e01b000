"""Relay ops on the media worker that hosts a space: recording and the control tower.

Web side (this process asks): ``record_start`` / ``record_stop`` (recording/control.py picks
these with ``MEDIA_WORKERS``), ``listen`` / ``unlisten`` / ``speak`` / ``unspeak`` (handlers/tower.py;
with the in-process hub they call it directly) and ``activity`` (every room's voices, from
whichever worker hosts it). Answers come back on this process's reply channel
(``relay.call_worker(..., None, ...)``): the handlers asking hold up their own consumer.
Each op is a ``media.rpc`` model of signaling.protocol.internal.media.

Worker side: ``SPACE_OPS``, dispatched by ``relay.MediaWorker``.

Listening in or speaking to a room another worker hosts goes through the cascade (cascade.py:
the room's microphones are relayed to the moderator's worker, the moderator's microphone to the
room's); a room nobody has media in yet is placed on the moderator's worker
(``Placement.place_with``: nothing to relay). Only when a worker of the two does not relay
(no ``MEDIA_RELAY_HOST``) does it answer ``media_unavailable``.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from signaling.protocol.internal import media as rpc

from . import errors
from .errors import MediaError
from .hub import MediaHub, SpaceMedia, current_hub
from .placement import get_placement
from .recording.service import start as recording_start
from .relay import Backend, MediaWorker, RemoteBackend, call_worker, workers_enabled

logger = logging.getLogger(__name__)
# Stopping a recording waits up to recording.service.STOP_TIMEOUT_S for the disk: a little more.
RECORD_STOP_TIMEOUT_S = 15.0
ELSEWHERE = ("{what} needs the media workers' relay, and {room} is on a worker without one: "
             "move into the room instead.")


async def _host(key: str) -> str:
    name = await get_placement().worker_for(key)
    if name is None:
        raise MediaError(errors.MEDIA_UNAVAILABLE, "no media worker is running")
    return name


# ---- recording on a worker (recording/control.py decides which) ---------------------------------

async def record_start(key: str, folder: str) -> None:
    """Space ``key`` is recorded into ``folder`` by the worker that hosts it."""
    await call_worker(await _host(key), None, rpc.RecordStart(key=key, folder=folder))


async def record_stop(key: str) -> dict[str, Any] | None:
    """The recording of ``key`` stops; once its files are closed: ``{"gaps", "dropped"}`` (None:
    it was not recording, or no worker hosts the space any more)."""
    names = await get_placement().hosts([key])
    if key not in names:
        return None
    result = await call_worker(names[key], None, rpc.RecordStop(key=key), timeout=RECORD_STOP_TIMEOUT_S)
    return result if isinstance(result, dict) else None


# ---- the control tower: listening in, speaking to rooms, room activity --------------------------

async def listen(backend: Backend, media_id: str, key: str | None, *, room: str = "") -> None:
    """``media_id`` (on ``backend``) also hears space ``key`` (None: stops)."""
    if isinstance(backend, MediaHub):
        backend.listen(media_id, key)
        return
    remote = _remote(backend)
    if key is not None:
        await _alongside(remote, [key], "Listening in", room)
    await call_worker(remote.name, None, rpc.Listen(media_id=media_id, key=key))


async def unlisten(backend: Backend, media_id: str, key: str) -> None:
    """Stops listening to ``key`` unless a newer room replaced it meanwhile."""
    if isinstance(backend, MediaHub):
        if backend.listening_to(media_id) == key:
            backend.listen(media_id, None)
        return
    await call_worker(_remote(backend).name, None, rpc.Unlisten(media_id=media_id, key=key))


async def speak(backend: Backend, media_id: str, keys: frozenset[str], *, rooms: dict[str, str] | None = None) -> None:
    """``media_id``'s microphone goes to spaces ``keys`` only (``rooms``: key -> room, for messages)."""
    if isinstance(backend, MediaHub):
        backend.speak(media_id, keys)
        return
    remote = _remote(backend)
    await _alongside(remote, sorted(keys), "Speaking to rooms", "", rooms or {})
    await call_worker(remote.name, None, rpc.Speak(media_id=media_id, keys=sorted(keys)))


async def unspeak(backend: Backend, media_id: str, keys: frozenset[str]) -> None:
    """The microphone back to normal, unless a newer ``speak`` replaced ``keys`` meanwhile."""
    if isinstance(backend, MediaHub):
        if backend.speaking_to(media_id) == keys:
            backend.speak(media_id, None)
        return
    await call_worker(_remote(backend).name, None, rpc.Unspeak(media_id=media_id, keys=sorted(keys)))


def _remote(backend: Backend) -> RemoteBackend:
    if not isinstance(backend, RemoteBackend):
        raise MediaError(errors.MEDIA_UNAVAILABLE, "this media server has no control tower")
    return backend


async def _alongside(remote: RemoteBackend, keys: list[str], what: str, room: str,
                     rooms: dict[str, str] | None = None) -> None:
    """Spaces of ``keys`` nobody has media in yet go on the moderator's worker; those another
    worker hosts are reached through the relay between the two (cascade.py), else a clear
    ``media_unavailable``."""
    placement = get_placement()
    hosts = {key: await placement.place_with(key, remote.name) for key in keys}
    relays = {name for name, beat in (await placement.alive()).items() if beat.get("relay")}
    for key, host in hosts.items():
        if host != remote.name and not {host, remote.name} <= relays:
            name = room or (rooms or {}).get(key) or "that room"
            raise MediaError(errors.MEDIA_UNAVAILABLE, ELSEWHERE.format(what=what, room=repr(name)))


async def activity(keys: list[str]) -> dict[str, SpaceMedia]:
    """Who is connected, speaking and in trouble in each of ``keys``, from whichever media server
    hosts it (spaces nobody has media in yet are left out: nobody is heard there)."""
    if not workers_enabled():
        hub = current_hub()  # no media yet: nobody is heard
        return hub.activity(keys) if hub is not None else {}
    by_worker: dict[str, list[str]] = {}
    for key, name in (await get_placement().hosts(list(keys))).items():
        by_worker.setdefault(name, []).append(key)
    answers = await asyncio.gather(*(call_worker(name, None, rpc.Activity(keys=group))
                                     for name, group in by_worker.items()), return_exceptions=True)
    now = time.monotonic()
    result: dict[str, SpaceMedia] = {}
    for answer in answers:
        if isinstance(answer, BaseException):  # that worker is busy or gone: its rooms look quiet
            logger.warning("control tower: room activity from a media worker failed: %s", answer)
            continue
        result.update({key: _from_wire(line, now) for key, line in answer.items()})
    return result


def _to_wire(media: SpaceMedia, now: float) -> dict[str, Any]:
    # Seconds ago, not the worker's clock (another machine's monotonic clock means nothing here);
    # pairs, not int-keyed maps (the channel layer's msgpack wants string keys).
    return {"people": sorted(media.people), "heard": [[pid, now - at] for pid, at in media.heard.items()],
            "trouble": sorted(media.trouble)}


def _from_wire(line: dict[str, Any], now: float) -> SpaceMedia:
    return SpaceMedia(people=frozenset(int(p) for p in line["people"]),
                      heard={int(pid): now - float(ago) for pid, ago in line["heard"]},
                      trouble=frozenset(int(p) for p in line["trouble"]))


# ---- worker side: recording and the control tower ----------------------------------------------

async def _record_start(worker: MediaWorker, m: rpc.RecordStart) -> None:
    await recording_start(worker.hub.server, m.key, Path(m.folder), worker.on_recording_fault)


async def _record_stop(worker: MediaWorker, m: rpc.RecordStop) -> dict[str, Any] | None:
    recorder = worker.hub.server.recording
    live = None if recorder is None else await recorder.stop(m.key)
    return None if live is None else {"gaps": [list(gap) for gap in live.gaps], "dropped": live.dropped}


async def _listen(worker: MediaWorker, m: rpc.Listen) -> None:
    worker.hub.listen(m.media_id, m.key)


async def _unlisten(worker: MediaWorker, m: rpc.Unlisten) -> None:
    if worker.hub.listening_to(m.media_id) == m.key:
        worker.hub.listen(m.media_id, None)


async def _speak(worker: MediaWorker, m: rpc.Speak) -> None:
    worker.hub.speak(m.media_id, frozenset(m.keys))


async def _unspeak(worker: MediaWorker, m: rpc.Unspeak) -> None:
    if worker.hub.speaking_to(m.media_id) == frozenset(m.keys):
        worker.hub.speak(m.media_id, None)


async def _activity(worker: MediaWorker, m: rpc.Activity) -> dict[str, Any]:
    now = time.monotonic()
    return {key: _to_wire(media, now) for key, media in worker.hub.activity(m.keys[:500], now).items()}


# Keyed by op; each takes its own model (relay.MediaWorker dispatches by ``op``).
SPACE_OPS: dict[str, Callable[[MediaWorker, Any], Awaitable[Any]]] = {
    "record_start": _record_start, "record_stop": _record_stop, "listen": _listen, "unlisten": _unlisten,
    "speak": _speak, "unspeak": _unspeak, "activity": _activity,
}
