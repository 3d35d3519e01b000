"""Which media server a connection uses, and how to reach one in a worker process.

By default every web process runs its own ``MediaHub`` (hub.py). With ``MEDIA_WORKERS``
(and ``REDIS_URL``) media runs in ``manage.py media_worker`` processes instead: each
space is placed on one worker (placement.py) and the web process relays signaling to it
over the channel layer.

web → worker, on the worker's channel ``media-worker.<name>``::

    {"type": "media.rpc", "op": "join"|"offer"|"answer"|"candidate"|"move"|"leave",
     "call": <id> | null, "reply": <the websocket connection's channel>, "media_id": ..., ...}

and, for the space that worker hosts: ``captions`` (on/off), and (relay_spaces.py) recording
and the control tower's ops: the worker writes the files, into a folder the web process must
see too, and on a full disk calls the convening's fault handler itself.

worker → web, on that connection's channel (``ConveningConsumer.media_event``)::

    {"type": "media.event", "kind": "result", "call": <id>, "ok": true, "result": ...}
    {"type": "media.event", "kind": "result", "call": <id>, "ok": false, "code": ..., "message": ...}
    {"type": "media.event", "kind": "signal", "media_id": ..., "signal": SignalOut.to_dict()}

Results and signals leave a worker through one FIFO sender, so the answer to a client offer
always precedes a later server offer. ``leave`` expects no reply (``call`` null): it is also
sent while the websocket closes, when no reply could be received any more.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from channels.layers import BaseChannelLayer, get_channel_layer

from signaling import adapters

from . import errors
from .errors import MediaError
from .hub import MediaHub, get_hub
from .placement import HEARTBEAT_S, Placement, get_placement, worker_channel
from .recording.service import OnFault
from .signals import SignalOut
from .tasks import TaskRegistry

logger = logging.getLogger(__name__)
Send = Callable[[SignalOut], Awaitable[None]]
CALL_TIMEOUT_S = 10.0
_calls = itertools.count(1)
_pending: dict[int, asyncio.Future[Any]] = {}


class Backend(Protocol):
    """A media server as a connection's media session uses it (MediaHub or RemoteBackend)."""

    name: str

    async def join(self, media_id: str, key: str, *, large: bool, role: str, send: Send) -> None: ...
    async def offer(self, media_id: str, sdp: str, labels: dict[str, str]) -> str: ...
    async def answer(self, media_id: str, sdp: str) -> None: ...
    async def candidate(self, media_id: str, candidate: dict[str, Any] | None) -> None: ...
    async def visible(self, media_id: str, hidden: list[str]) -> None: ...
    async def move(self, media_id: str, key: str, *, large: bool) -> None: ...
    async def leave(self, media_id: str) -> None: ...


def workers_enabled() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "MEDIA_WORKERS", False) and getattr(settings, "REDIS_URL", ""))


ADAPTER_MISMATCH = "Media is unavailable on this server (its media libraries need an update); chat goes on."


def require_adapter() -> None:
    """Media only where its adapter to aiortc's internals fits (signaling.adapters; logged once)."""
    if not adapters.usable(adapters.MEDIA):
        raise MediaError(errors.MEDIA_UNAVAILABLE, ADAPTER_MISMATCH)


async def backend_for(key: str, reply_to: str) -> Backend:
    """The media server of space ``key``; ``reply_to``: the connection's channel (workers)."""
    require_adapter()
    if not workers_enabled():
        return get_hub()
    name = await get_placement().worker_for(key)
    if name is None:
        raise MediaError(errors.MEDIA_UNAVAILABLE, "no media worker is running")
    return RemoteBackend(name, reply_to)


async def caption_space(key: str, on: bool) -> None:
    """Automatic captions of space ``key`` on or off, on the media server that hosts it."""
    require_adapter()
    if not workers_enabled():
        get_hub().caption_space(key, on)
        return
    name = await get_placement().worker_for(key)
    if name is None:
        raise MediaError(errors.MEDIA_UNAVAILABLE, "no media worker is running")
    try:
        await get_channel_layer().send(worker_channel(name), {"type": "media.rpc", "op": "captions", "call": None,
                                                              "reply": "", "media_id": "", "key": key, "on": on})
    except Exception as exc:  # noqa: BLE001 — Redis down or the worker's channel full
        raise MediaError(errors.MEDIA_UNAVAILABLE, f"media worker {name} unreachable") from exc


# ---- web side ---------------------------------------------------------------------------------

class RemoteBackend:
    """A media worker, for one connection. Signals arrive as ``media.event`` on ``reply_to``."""

    def __init__(self, name: str, reply_to: str) -> None:
        self.name = name
        self.channel = worker_channel(name)
        self.reply_to = reply_to

    async def join(self, media_id: str, key: str, *, large: bool, role: str, send: Send) -> None:
        await self._call("join", media_id, key=key, large=large, role=role)

    async def offer(self, media_id: str, sdp: str, labels: dict[str, str]) -> str:
        return str(await self._call("offer", media_id, sdp=sdp, labels=labels))

    async def answer(self, media_id: str, sdp: str) -> None:
        await self._call("answer", media_id, sdp=sdp)

    async def candidate(self, media_id: str, candidate: dict[str, Any] | None) -> None:
        await self._call("candidate", media_id, candidate=candidate)

    async def visible(self, media_id: str, hidden: list[str]) -> None:
        await self._call("visible", media_id, hidden=hidden)

    async def move(self, media_id: str, key: str, *, large: bool) -> None:
        await self._call("move", media_id, key=key, large=large)

    async def leave(self, media_id: str) -> None:
        await self._send({"op": "leave", "call": None, "media_id": media_id})

    async def _call(self, op: str, media_id: str, **fields: Any) -> Any:
        return await call_worker(self.name, self.reply_to, op, media_id=media_id, **fields)

    async def _send(self, fields: dict[str, Any]) -> None:
        await _send(self.name, {"reply": self.reply_to, **fields})


async def call_worker(name: str, reply_to: str | None, op: str, *, media_id: str = "",
                      timeout: float = CALL_TIMEOUT_S, **fields: Any) -> Any:
    """Op ``op`` on worker ``name``; its result comes back as a ``media.event`` on ``reply_to``
    (a websocket connection's channel, whose consumer hands it to :func:`resolve_call`), or
    (None) on this process's own reply channel: a handler awaiting an answer holds up its own
    consumer, which could not take the answer in until the handler returned."""
    if reply_to is None:
        reply_to = await _process_replies()
    call = next(_calls)
    future = _pending[call] = asyncio.get_running_loop().create_future()
    try:
        await _send(name, {"op": op, "call": call, "reply": reply_to, "media_id": media_id, **fields})
        async with asyncio.timeout(timeout):
            return await future
    except TimeoutError:
        raise MediaError(errors.MEDIA_UNAVAILABLE, f"media worker {name} did not answer") from None
    finally:
        _pending.pop(call, None)


class _Replies:
    """This process's reply channel (one per event loop) and the task that reads it: started
    by the first call that needs it (concurrent first calls share it), it lives as long as the
    loop (the web process)."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.loop = asyncio.get_running_loop()
        self.layer = layer
        self.reader: asyncio.Task[None] | None = None
        self.channel = self.loop.create_task(self._start(), name="media-replies-start")

    def usable(self, layer: BaseChannelLayer) -> bool:
        return (self.loop is asyncio.get_running_loop() and self.layer is layer
                and not (self.channel.done() and (self.reader is None or self.reader.done())))

    async def _start(self) -> str:
        channel = str(await self.layer.new_channel())  # "specific.": read along with the consumers' own
        self.reader = self.loop.create_task(self._read(channel), name="media-replies")
        return channel

    async def _read(self, channel: str) -> None:
        while True:
            try:
                event = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 — Redis hiccup: the waiting calls time out on their own
                logger.warning("media replies: the channel layer failed; retrying", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            if event.get("kind") == "result":
                resolve_call(event)


_replies: _Replies | None = None


async def _process_replies() -> str:
    global _replies
    layer = get_channel_layer()
    if _replies is None or not _replies.usable(layer):
        _replies = _Replies(layer)  # before any await: concurrent first calls share it
    try:
        return await asyncio.shield(_replies.channel)
    except Exception as exc:  # noqa: BLE001 — the channel layer is down: the next call starts over
        raise MediaError(errors.MEDIA_UNAVAILABLE, "the media workers are unreachable") from exc


async def _send(name: str, fields: dict[str, Any]) -> None:
    try:
        await get_channel_layer().send(worker_channel(name), {"type": "media.rpc", **fields})
    except Exception as exc:  # noqa: BLE001 — Redis down or the worker's channel full
        raise MediaError(errors.MEDIA_UNAVAILABLE, f"media worker {name} unreachable") from exc


def resolve_call(event: dict[str, Any]) -> None:
    """A worker's ``result`` event: wake the call waiting for it (if it has not timed out)."""
    future = _pending.get(event.get("call"))  # type: ignore[arg-type]
    if future is None or future.done():
        return
    if event.get("ok"):
        future.set_result(event.get("result"))
    else:
        future.set_exception(MediaError(str(event.get("code")), str(event.get("message"))))


# ---- worker side --------------------------------------------------------------------------------

class MediaWorker:
    """Serves one ``MediaHub`` to the web processes: ``manage.py media_worker``."""

    def __init__(self, name: str, hub: MediaHub, layer: BaseChannelLayer, placement: Placement,
                 on_recording_fault: OnFault | None = None) -> None:
        self.name = name
        # A full disk stops a recording here: this process tells the convening (the web process
        # that started it may be gone).
        self.on_recording_fault = on_recording_fault
        self.channel = worker_channel(name)
        self.hub, self.layer, self.placement = hub, layer, placement
        self.tasks = TaskRegistry(f"media-worker:{name}")
        self._out: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    async def run(self, stop: asyncio.Event) -> None:
        await self.placement.beat(self.name, self.hub.stats())  # placeable before the first request
        for work, label in ((self._receive(), "receive"), (self._heartbeat(), "heartbeat"), (self._sender(), "send")):
            self.tasks.spawn(work, label)
        logger.info("media worker %s listening on %s", self.name, self.channel)
        try:
            await stop.wait()
        finally:
            await self.placement.retire(self.name)  # its spaces may go elsewhere at once
            await self.hub.close()
            await self.tasks.close()

    async def _receive(self) -> None:
        while True:
            message = await self.layer.receive(self.channel)
            self.tasks.spawn(self._handle(message), f"rpc:{message.get('op')}")

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                await self.placement.beat(self.name, self.hub.stats())
            except Exception:  # noqa: BLE001 — Redis hiccup: try again next beat
                logger.exception("media worker %s heartbeat failed", self.name)

    async def _sender(self) -> None:
        while True:
            channel, event = await self._out.get()
            try:
                await self.layer.send(channel, event)
            except Exception:  # noqa: BLE001 — that connection is gone; the others are not
                logger.warning("media worker %s could not reach %s", self.name, channel)

    async def _handle(self, message: dict[str, Any]) -> None:
        try:
            out = {"ok": True, "result": await self._dispatch(message)}
        except MediaError as exc:
            out = {"ok": False, "code": exc.code, "message": exc.message}
        except Exception:
            logger.exception("media worker %s failed on %s", self.name, message.get("op"))
            out = {"ok": False, "code": errors.NEGOTIATION_FAILED, "message": "the media worker failed"}
        if message.get("call") is not None:
            self._out.put_nowait((message["reply"], {"type": "media.event", "kind": "result", "call": message["call"], **out}))

    async def _dispatch(self, m: dict[str, Any]) -> Any:
        hub, op, media_id = self.hub, m["op"], m["media_id"]
        if op == "join":
            return await hub.join(media_id, m["key"], large=m["large"], role=m["role"], send=self._signals(media_id, m["reply"]))
        if op == "offer":
            return await hub.offer(media_id, m["sdp"], m["labels"])
        if op == "answer":
            return await hub.answer(media_id, m["sdp"])
        if op == "candidate":
            return await hub.candidate(media_id, m["candidate"])
        if op == "visible":
            return await hub.visible(media_id, m["hidden"])
        if op == "move":
            return await hub.move(media_id, m["key"], large=m["large"])
        if op == "leave":
            return await hub.leave(media_id)
        if op == "captions":
            return hub.caption_space(m["key"], bool(m["on"]))
        from .relay_spaces import SPACE_OPS  # late: that module builds on this one

        if op in SPACE_OPS:
            return await SPACE_OPS[op](self, m)
        raise MediaError(errors.BAD_REQUEST, f"unknown op {op!r}")

    def _signals(self, media_id: str, reply: str) -> Send:
        async def send(signal: SignalOut) -> None:
            self._out.put_nowait((reply, {"type": "media.event", "kind": "signal", "media_id": media_id,
                                          "signal": signal.to_dict()}))

        return send
