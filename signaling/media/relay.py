"""Which media server a connection uses, and how to reach one in a worker process.

By default every web process runs its own ``MediaHub`` (hub.py). With ``MEDIA_WORKERS``
(and ``REDIS_URL``) media runs in ``manage.py media_worker`` processes instead: each
space is placed on one worker (placement.py) and the web process relays signaling to it
over the channel layer.

The messages are defined once in signaling.protocol.internal.media (both sides import them).

web → worker, on the worker's channel ``media-worker.<name>``: a ``media.rpc`` per op (``Join``,
``Offer``, ``Answer``, ``Candidate``, ``Visible``, ``Move``, ``Leave``), each with ``call`` (None:
no reply), ``reply`` (the websocket connection's channel) and ``media_id``; and, for the space
that worker hosts: ``Captions`` (on/off), and (relay_spaces.py) recording and the control
tower's ops: the worker writes the files, into a folder the web process must see too, and on a
full disk calls the convening's fault handler itself.

worker → web, on that connection's channel (``ConveningConsumer.media_event``): a ``media.event``,
``Result`` (``ok`` and ``result``, or the media error's ``code`` and ``message``) or ``Signal``
(``SignalOut.to_dict()`` for ``media_id``). A malformed message is logged and dropped on either
side (one the worker cannot read but can answer gets a ``bad_request`` result).

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
from signaling.protocol.internal import media as rpc
from signaling.protocol.internal import parse

from . import errors
from .cascade import Cascade
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
    async def offer(self, media_id: str, sdp: str, labels: dict[str, str], layers: dict[str, Any] | None = None) -> str: ...
    async def answer(self, media_id: str, sdp: str) -> None: ...
    async def candidate(self, media_id: str, candidate: dict[str, Any] | None) -> None: ...
    async def visible(self, media_id: str, hidden: list[str], sizes: dict[str, int] | None = None) -> None: ...
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


async def backend_for(key: str, reply_to: str, *, large: bool = False, role: str = "",
                      current: str | None = None) -> Backend:
    """The media server of space ``key`` for one connection; ``reply_to``: the connection's channel
    (workers). A large space spreads its connections over the workers (cascade.py): ``role`` and
    the connection's ``current`` worker decide where this one goes (placement.py)."""
    require_adapter()
    if not workers_enabled():
        return get_hub()
    placement = get_placement()
    name = await (placement.worker_for_connection(key, role=role, current=current) if large
                  else placement.worker_for(key))
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
        await get_channel_layer().send(worker_channel(name), rpc.Captions(key=key, on=on).to_event())
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
        await self._call(rpc.Join(media_id=media_id, key=key, large=large, role=role))

    async def offer(self, media_id: str, sdp: str, labels: dict[str, str], layers: dict[str, Any] | None = None) -> str:
        return str(await self._call(rpc.Offer(media_id=media_id, sdp=sdp, labels=labels, layers=layers)))

    async def answer(self, media_id: str, sdp: str) -> None:
        await self._call(rpc.Answer(media_id=media_id, sdp=sdp))

    async def candidate(self, media_id: str, candidate: dict[str, Any] | None) -> None:
        await self._call(rpc.Candidate(media_id=media_id, candidate=candidate))

    async def visible(self, media_id: str, hidden: list[str], sizes: dict[str, int] | None = None) -> None:
        await self._call(rpc.Visible(media_id=media_id, hidden=hidden, sizes=sizes))

    async def move(self, media_id: str, key: str, *, large: bool) -> None:
        await self._call(rpc.Move(media_id=media_id, key=key, large=large))

    async def leave(self, media_id: str) -> None:
        await _send(self.name, rpc.Leave(media_id=media_id, reply=self.reply_to))

    async def _call(self, request: rpc.Rpc) -> Any:
        return await call_worker(self.name, self.reply_to, request)


async def call_worker(name: str, reply_to: str | None, request: rpc.Rpc, *, timeout: float = CALL_TIMEOUT_S) -> Any:
    """``request`` on worker ``name``; its result comes back as a ``media.event`` on ``reply_to``
    (a websocket connection's channel, whose consumer hands it to :func:`resolve_call`), or
    (None) on this process's own reply channel: a handler awaiting an answer holds up its own
    consumer, which could not take the answer in until the handler returned."""
    if reply_to is None:
        reply_to = await _process_replies()
    call = next(_calls)
    future = _pending[call] = asyncio.get_running_loop().create_future()
    try:
        await _send(name, request.model_copy(update={"call": call, "reply": reply_to}))
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
            result = parse(rpc.MEDIA_EVENTS, event, "the media replies channel")
            if isinstance(result, rpc.Result):
                resolve_call(result)


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


async def _send(name: str, request: rpc.Rpc) -> None:
    try:
        await get_channel_layer().send(worker_channel(name), request.to_event())
    except Exception as exc:  # noqa: BLE001 — Redis down or the worker's channel full
        raise MediaError(errors.MEDIA_UNAVAILABLE, f"media worker {name} unreachable") from exc


def resolve_call(event: rpc.Result) -> None:
    """A worker's ``result`` event: wake the call waiting for it (if it has not timed out)."""
    future = _pending.get(event.call)
    if future is None or future.done():
        return
    if event.ok:
        future.set_result(event.result)
    else:
        future.set_exception(MediaError(event.code, event.message))


# ---- worker side --------------------------------------------------------------------------------

class MediaWorker:
    """Serves one ``MediaHub`` to the web processes: ``manage.py media_worker``."""

    def __init__(self, name: str, hub: MediaHub, layer: BaseChannelLayer, placement: Placement,
                 on_recording_fault: OnFault | None = None, relay_host: str | None = None) -> None:
        self.name = name
        # A full disk stops a recording here: this process tells the convening (the web process
        # that started it may be gone).
        self.on_recording_fault = on_recording_fault
        self.channel = worker_channel(name)
        self.hub, self.layer, self.placement = hub, layer, placement
        self.tasks = TaskRegistry(f"media-worker:{name}")
        # The relay to the other workers, for large spaces spread over them (None: not cascading).
        self.cascade = Cascade(name, hub, placement, relay_host) if relay_host else None
        self._out: asyncio.Queue[tuple[str, rpc.Result | rpc.Signal]] = asyncio.Queue()

    async def run(self, stop: asyncio.Event) -> None:
        if self.cascade is not None:
            await self.cascade.start()  # its sync task is its own: stopped by close()
        await self._beat()  # placeable before the first request
        for work, label in ((self._receive(), "receive"), (self._heartbeat(), "heartbeat"), (self._sender(), "send")):
            self.tasks.spawn(work, label)
        logger.info("media worker %s listening on %s", self.name, self.channel)
        try:
            await stop.wait()
        finally:
            await self.placement.retire(self.name)  # its spaces may go elsewhere at once
            if self.cascade is not None:
                await self.cascade.close()
            await self.hub.close()
            await self.tasks.close()

    async def _receive(self) -> None:
        while True:
            message = await self.layer.receive(self.channel)
            request = parse(rpc.MEDIA_RPCS, message, f"media worker {self.name}")
            if request is None:
                self._refuse(message)
                continue
            self.tasks.spawn(self._handle(request), f"rpc:{request.op}")

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                await self._beat()
            except Exception:  # noqa: BLE001 — Redis hiccup: try again next beat
                logger.exception("media worker %s heartbeat failed", self.name)

    async def _beat(self) -> None:
        cascade = self.cascade
        stats = self.hub.stats() if cascade is None else {**self.hub.stats(), "cascade": cascade.stats()}
        await self.placement.beat(self.name, stats, relay=cascade.address if cascade is not None else "")

    async def _sender(self) -> None:
        while True:
            channel, event = await self._out.get()
            try:
                await self.layer.send(channel, event.to_event())
            except Exception:  # noqa: BLE001 — that connection is gone; the others are not
                logger.warning("media worker %s could not reach %s", self.name, channel)

    def _refuse(self, message: Any) -> None:
        """A request this worker cannot read: its caller, if it says who, hears so at once
        (instead of waiting out its timeout)."""
        call = message.get("call") if isinstance(message, dict) else None
        reply = message.get("reply") if isinstance(message, dict) else None
        if isinstance(call, int) and isinstance(reply, str) and reply:
            self._out.put_nowait((reply, rpc.Result(call=call, ok=False, code=errors.BAD_REQUEST,
                                                    message="the media worker could not read this request")))

    async def _handle(self, request: rpc.MediaRpc) -> None:
        try:
            result = rpc.Result(call=request.call or 0, result=await self._dispatch(request))
        except MediaError as exc:
            result = rpc.Result(call=request.call or 0, ok=False, code=exc.code, message=exc.message)
        except Exception:
            logger.exception("media worker %s failed on %s", self.name, request.op)
            result = rpc.Result(call=request.call or 0, ok=False, code=errors.NEGOTIATION_FAILED,
                                message="the media worker failed")
        if request.call is not None:
            self._out.put_nowait((request.reply, result))

    async def _dispatch(self, m: rpc.MediaRpc) -> Any:
        hub, media_id = self.hub, m.media_id
        match m:
            case rpc.Join():
                return await hub.join(media_id, m.key, large=m.large, role=m.role, send=self._signals(media_id, m.reply))
            case rpc.Offer():
                return await hub.offer(media_id, m.sdp, m.labels, m.layers)
            case rpc.Answer():
                return await hub.answer(media_id, m.sdp)
            case rpc.Candidate():
                return await hub.candidate(media_id, m.candidate)
            case rpc.Visible():
                return await hub.visible(media_id, m.hidden, m.sizes)
            case rpc.Move():
                return await hub.move(media_id, m.key, large=m.large)
            case rpc.Leave():
                return await hub.leave(media_id)
            case rpc.Captions():
                return hub.caption_space(m.key, m.on)
        from .relay_spaces import SPACE_OPS  # late: that module builds on this one

        if m.op in SPACE_OPS:
            return await SPACE_OPS[m.op](self, m)
        raise MediaError(errors.BAD_REQUEST, f"unknown op {m.op!r}")

    def _signals(self, media_id: str, reply: str) -> Send:
        async def send(signal: SignalOut) -> None:
            self._out.put_nowait((reply, rpc.Signal(media_id=media_id, signal=signal.to_dict())))

        return send
