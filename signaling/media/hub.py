"""The process's media server, and what Convene adds on top of it.

``get_hub()`` returns this process's ``MediaHub``: one ``MediaServer`` created lazily on
first use (settings ``ICE_SERVERS``, ``TURN_*``, ``MEDIA_HOST_ADDRESSES`` and
``MEDIA_ALLOWED_PEER_NETWORKS``) and closed when the process shuts down. It runs in the web
process by default, or in ``manage.py media_worker`` processes (``MEDIA_WORKERS``, see
relay.py). On top of the server the hub knows each media participant's space and convening
role, so it puts the plenary's presenters on the stage.

Media ids. Roster participant ids are ints, and one person may have several tabs, each
with its own RTCPeerConnection; the media server's ids are strings. A media id is
``"<participant_id>:<random>"``: one per media join of one connection (a fresh one after
every ``initial`` offer, so a late leave of the old one cannot hit the new one).
``roster_id()`` turns it back into the participant for ``media.tracks``.

Spaces. A convening space's media space is the key its chat and presence group uses
(``rooms.actions.publish.space_group``), so convenings never share media. The plenary is large
(receivers get the stage + the N most recent active speakers); in rooms everyone gets everyone.
"""
from __future__ import annotations

import asyncio
import importlib
import logging
import secrets
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .captioning import CaptionService
from .remote import RemotePublisher
from .server import MediaServer
from .signals import SignalOut

logger = logging.getLogger(__name__)
Send = Callable[[SignalOut], Awaitable[None]]
# On the plenary's stage: presenters always; moderators and organizers while they share a screen.
PRESENTER_ROLES = frozenset({"presenter"})
SHARING_ROLES = frozenset({"moderator", "organizer"})


def new_media_id(participant_id: int) -> str:
    return f"{participant_id}:{secrets.token_hex(4)}"


def roster_id(media_id: str) -> int:
    return int(media_id.split(":", 1)[0])


@dataclass
class Member:
    space_key: str
    role: str
    joined_at: float = field(default_factory=time.monotonic)


# A media connection still not connected this long after joining is in trouble (ICE blocked,
# a firewall, a weak link); one that was connected and dropped (disconnected/failed) is at once.
CONNECTING_GRACE_S = 15.0
TROUBLE_STATES = frozenset({"disconnected", "failed"})


@dataclass(frozen=True)
class SpaceMedia:
    """One space's media as the control tower sees it, by roster participant id."""

    people: frozenset[int]  # with a media connection in the space
    heard: dict[int, float]  # active speaker -> last heard (time.monotonic)
    trouble: frozenset[int]  # media connection failing or not getting through


class MediaHub:
    """In-process media backend (signaling.media.relay.Backend), also the media worker's core."""

    name = "in-process"

    def __init__(self, server: MediaServer) -> None:
        self.server = server
        self.loop = asyncio.get_running_loop()
        self.closed = False
        self._members: dict[str, Member] = {}
        self._remote: dict[str, Member] = {}  # people whose media another worker receives (cascade.py)
        self._large: set[str] = set()
        self._stages: dict[str, tuple[str, ...]] = {}

    async def join(self, media_id: str, key: str, *, large: bool, role: str, send: Send) -> None:
        self._prepare(key, large)
        await self.server.join(media_id, key, self._watched(media_id, send), role=role)
        self._members[media_id] = Member(key, role)
        await self._restage(key)

    async def offer(self, media_id: str, sdp: str, labels: dict[str, str], layers: dict[str, Any] | None = None) -> str:
        answer = await self.server.handle_offer(media_id, sdp, labels, layers)
        member = self._members.get(media_id)
        if member is not None:  # a screen share may have started or ended
            await self._restage(member.space_key)
        return answer

    async def answer(self, media_id: str, sdp: str) -> None:
        await self.server.handle_answer(media_id, sdp)

    async def candidate(self, media_id: str, candidate: dict[str, Any] | None) -> None:
        await self.server.add_ice_candidate(media_id, candidate)

    async def visible(self, media_id: str, hidden: list[str], sizes: dict[str, int] | None = None) -> None:
        self.server.set_hidden(media_id, hidden)
        if sizes is not None:
            self.server.set_sizes(media_id, sizes)

    async def move(self, media_id: str, key: str, *, large: bool) -> None:
        self._prepare(key, large)
        await self.server.move(media_id, key)
        member = self._members.get(media_id)
        if member is not None and member.space_key != key:
            old, member.space_key = member.space_key, key
            await self._restage(old)
            await self._restage(key)

    async def leave(self, media_id: str) -> None:
        member = self._members.pop(media_id, None)
        await self.server.leave(media_id)
        if member is not None:
            await self._restage(member.space_key)

    async def close(self) -> None:
        self.closed = True
        self._members.clear()
        await self.server.close()

    def stats(self) -> dict[str, Any]:
        return {**self.server.stats(), "members": len(self._members)}

    # -- the control tower ---------------------------------------------------------------
    def listen(self, media_id: str, key: str | None) -> None:
        """The connection also hears space ``key``'s microphones (None: stops listening)."""
        self.server.set_listening(media_id, key)

    def speak(self, media_id: str, keys: frozenset[str] | None) -> None:
        """The connection's microphone goes to spaces ``keys`` and nowhere else (None: as before)."""
        self.server.set_speaking(media_id, keys)

    def listening_to(self, media_id: str) -> str | None:
        return self.server.crossings.listening.get(media_id)

    def speaking_to(self, media_id: str) -> frozenset[str] | None:
        return self.server.crossings.speaking.get(media_id)

    def activity(self, keys: Iterable[str], now: float | None = None) -> dict[str, SpaceMedia]:
        """Who is connected, speaking and in trouble in each of ``keys`` (no I/O)."""
        now = time.monotonic() if now is None else now
        result: dict[str, SpaceMedia] = {}
        for key in keys:
            members, heard = self.server.space_voices(key)
            result[key] = SpaceMedia(
                people=frozenset(roster_id(m) for m in members),
                heard={roster_id(m): t for m, t in heard.items()},
                trouble=frozenset(roster_id(m) for m in members if self._in_trouble(m, now)))
        return result

    def _in_trouble(self, media_id: str, now: float) -> bool:
        member = self._members.get(media_id)
        try:
            state = self.server.peer(media_id).pc.connectionState
        except Exception:  # noqa: BLE001 — gone meanwhile
            return False
        if state in TROUBLE_STATES:
            return True
        return state != "connected" and member is not None and now - member.joined_at > CONNECTING_GRACE_S

    def caption_space(self, key: str, on: bool) -> None:
        """Automatic captions of a space on or off (a moderator's ``captions.automatic``)."""
        self.server.caption_space(key, on)

    # -- cascading: people of a large space whose media another worker receives ---------
    async def add_remote(self, publisher: RemotePublisher) -> None:
        self.server.add_remote(publisher)
        self._remote[publisher.participant_id] = Member(publisher.space_id, publisher.role)
        await self._restage(publisher.space_id)

    async def remote_changed(self, participant_id: str) -> None:
        """Their publications changed (a screen share may put them on the stage)."""
        self.server.remote_changed(participant_id)
        member = self._remote.get(participant_id)
        if member is not None:
            await self._restage(member.space_key)

    async def remove_remote(self, participant_id: str) -> None:
        self.server.remove_remote(participant_id)
        member = self._remote.pop(participant_id, None)
        if member is not None:
            await self._restage(member.space_key)

    # -- the stage ----------------------------------------------------------------------
    def _prepare(self, key: str, large: bool) -> None:
        if large and key not in self._large:
            self._large.add(key)
            self.server.configure_space(key, large=True)

    async def _restage(self, key: str) -> None:
        if key not in self._large:
            return
        # Local and remote members alike: every worker of a cascaded space derives the same stage
        # from the same facts (each person's role and publications, owned by their own worker).
        everyone = {**self._members, **self._remote}
        stage = tuple(m for m, member in everyone.items() if member.space_key == key and self._on_stage(m, member))
        if self._stages.get(key) != stage:
            self._stages[key] = stage
            await self.server.set_stage(key, list(stage))

    def _on_stage(self, media_id: str, member: Member) -> bool:
        if member.role in PRESENTER_ROLES:
            return True
        if member.role not in SHARING_ROLES:
            return False
        return any(pub.label == "screen" for pub in self.server.publications_of(media_id))

    def _watched(self, media_id: str, send: Send) -> Send:
        async def watched(signal: SignalOut) -> None:
            if signal.kind == "error" and media_id in self._members:
                # The server drops a failed peer right after telling it: forget it too.
                member = self._members.pop(media_id)
                await self._restage(member.space_key)
            await send(signal)

        return watched


# ---- the process's hub -------------------------------------------------------------------

_hub: MediaHub | None = None


def create_hub() -> MediaHub:
    from django.conf import settings  # late: the media core itself does not need Django

    from signaling.turn import connection_ice_servers

    server = MediaServer(
        # TURN credentials minted per peer connection: with TURN_SECRET they expire.
        ice_servers=lambda: connection_ice_servers("media-server"),
        host_addresses=list(settings.MEDIA_HOST_ADDRESSES),
        peer_networks=list(settings.MEDIA_ALLOWED_PEER_NETWORKS),
        captions=_captions(settings),
    )
    return MediaHub(server)


def _captions(settings: Any) -> CaptionService:
    """Automatic captions (captioning/): the plenary's stage is captioned by default when
    ``CAPTIONS_AUTOMATIC`` (unset: in production, not while developing); a moderator turns any
    space on or off. ``CAPTIONS_MODEL``: a faster-whisper model directory (else pocketsphinx)."""
    from .captioning.engines import select_engine

    automatic = getattr(settings, "CAPTIONS_AUTOMATIC", None)
    engine = select_engine(getattr(settings, "CAPTIONS_ENGINE", ""), getattr(settings, "CAPTIONS_MODEL", "") or None)
    sink = caption_sink(getattr(settings, "CAPTION_SINK", ""))
    return CaptionService(sink.on_line, sink.on_status, engine=engine,
                          large_spaces=not settings.DEBUG if automatic is None else bool(automatic))


class _NoCaptionSink:
    """Without ``CAPTION_SINK``: lines are dropped (logged once, so an operator can see why)."""

    warned = False

    @classmethod
    def on_line(cls, space: str, speaker: str, text: str, final: bool) -> None:
        if not cls.warned:
            cls.warned = True
            logger.warning("automatic captions: no CAPTION_SINK is set, lines are dropped")

    @staticmethod
    def on_status(space: str, state: str, message: str) -> None:
        return None


def caption_sink(path: str) -> Any:
    """The module (``on_line``, ``on_status``) the web side names in ``CAPTION_SINK``: the
    media core imports none of Convene's apps, the setting plugs them in (as EMAIL_BACKEND)."""
    return importlib.import_module(path) if path else _NoCaptionSink


def get_hub() -> MediaHub:
    """This process's hub, created on first use in the running event loop."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.closed or _hub.loop is not loop:
        _hub = create_hub()  # a hub of an earlier loop (tests) died with it
        _close_on_shutdown(_hub)
    return _hub


def current_hub() -> MediaHub | None:
    """This process's hub if media already runs here (in this loop), without starting one."""
    hub = _hub
    if hub is None or hub.closed or hub.loop is not asyncio.get_running_loop():
        return None
    return hub


def _close_on_shutdown(hub: MediaHub) -> None:
    """Under daphne, close every peer connection before the reactor stops (browsers see
    DTLS close at once instead of an ICE timeout). Other hosts close the hub themselves."""
    reactor = sys.modules.get("twisted.internet.reactor")
    if reactor is None or getattr(reactor, "_asyncioEventloop", None) is not hub.loop:
        return
    from twisted.internet import defer

    def close() -> defer.Deferred[None]:
        return defer.Deferred.fromFuture(asyncio.ensure_future(hub.close()))

    reactor.addSystemEventTrigger("before", "shutdown", close)
