"""Synthetic participants speaking the real media protocol over a real websocket.

``MediaWsClient`` is a participant's websocket (like tests.live.WsClient) with one reader
that routes the media messages: ``media.server_answer`` / errors with a pending request's
``ref`` resolve that request, ``media.server_offer`` / ``media.tracks`` go to the synthetic
participant, everything else is kept for ``expect``. ``WsTransport`` is the
``SignalingTransport`` of tests/signaling/media/synthetic.py on top of it, so the same aiortc
participants that test the media server in-process run against daphne here.
"""
from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

from signaling.media import MediaError, SignalOut, TrackInfo
from tests.live import DEMO_SLUG, DaphneServer, Expecting
from tests.live_clients import ws_path
from tests.signaling.media.synthetic import OnSignal

MEDIA_PUSH = {"media.server_offer", "media.tracks"}


class MediaWsClient(Expecting):
    def __init__(self, socket: Any) -> None:
        super().__init__()
        self.socket = socket
        self.on_media: Callable[[dict[str, Any]], None] | None = None
        self.media_log: list[dict[str, Any]] = []  # every server offer / tracks message, in order
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, server: DaphneServer, token: str = "", slug: str = DEMO_SLUG, *,
                   cookie: str | None = None) -> MediaWsClient:
        """With a join-link token, or a password session's ``cookie`` (moderators get no link)."""
        from websockets.asyncio.client import connect

        socket = await connect(server.ws_url(ws_path(slug, token)), origin=server.http_url,
                               additional_headers={"Cookie": cookie} if cookie else None,
                               max_size=16 * 1024 * 1024, open_timeout=10)
        client = cls(socket)
        await client.expect("welcome", timeout=10)
        return client

    async def _read(self) -> None:
        try:
            async for raw in self.socket:
                self._route(json.loads(raw))
        except Exception:  # noqa: BLE001 — closed: pending requests fail below
            pass
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ConnectionError("websocket closed"))

    def _route(self, message: dict[str, Any]) -> None:
        waiting = self._waiting.pop(str(message.get("ref")), None) if message.get("ref") else None
        if waiting is not None and not waiting.done():
            waiting.set_result(message)
        elif message.get("type") in MEDIA_PUSH:
            self.media_log.append(message)
            if self.on_media is not None:
                self.on_media(message)
        else:
            self._inbox.put_nowait(message)

    async def _next(self, timeout: float) -> dict[str, Any]:
        return await asyncio.wait_for(self._inbox.get(), timeout)

    async def send(self, type: str, **fields: Any) -> None:  # noqa: A002 — the protocol's word
        await self.socket.send(json.dumps({"type": type, **fields}))

    async def request(self, type: str, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:  # noqa: A002
        """Send with a fresh id; the reply (or error) carrying it as ``ref``."""
        ref = f"t{next(self._ids)}"
        future = self._waiting[ref] = asyncio.get_running_loop().create_future()
        await self.send(type, id=ref, **fields)
        return await asyncio.wait_for(future, timeout)

    async def ping(self) -> None:
        """The socket is alive and everything sent before was handled."""
        assert (await self.request("ping", timeout=5))["type"] == "pong"

    async def close(self) -> None:
        await self.socket.close()
        self._reader.cancel()


def to_signal(message: dict[str, Any]) -> SignalOut:
    tracks = tuple(TrackInfo(mid=t["mid"], participant_id=str(t["participant_id"]), label=t["label"], kind=t["kind"])
                   for t in message["tracks"])
    kind = "offer" if message["type"] == "media.server_offer" else "tracks"
    return SignalOut(kind=kind, sdp=message.get("sdp"), tracks=tracks, space_id=message["space"])  # type: ignore[arg-type]


class WsTransport:
    """SignalingTransport over one MediaWsClient (one synthetic participant per websocket).

    Participant ids in signals are the roster ids as strings (``mids_of("7", "camera")``).
    """

    def __init__(self, client: MediaWsClient) -> None:
        self.client = client
        self.initial = True

    async def join(self, participant_id: str, space_id: str, on_signal: OnSignal, role: str) -> None:
        self.client.on_media = lambda message: asyncio.ensure_future(on_signal(to_signal(message)))
        self.initial = True  # the space is the connection's own: space_id and role are the server's to know

    async def offer(
        self, participant_id: str, sdp: str, track_labels: dict[str, str], layers: dict | None = None
    ) -> str:
        extra = {"layers": layers} if layers else {}  # a camera in simulcast layers
        reply = await self.client.request("media.offer", sdp=sdp, tracks=track_labels, initial=self.initial, **extra)
        if reply["type"] == "error":
            raise MediaError(reply["code"], reply["message"])
        self.initial = False
        return str(reply["sdp"])

    async def answer(self, participant_id: str, sdp: str) -> None:
        await self.client.send("media.answer", sdp=sdp)

    async def leave(self, participant_id: str) -> None:
        await self.client.send("media.leave")
