"""One participant's RTCPeerConnection on the server: what it publishes, the
slots it receives on, and its (serialized) renegotiations.

Negotiation rules
-----------------
* The client makes the first offer. Its m-lines that send become publications;
  others are placeholders. The server never answers with codecs other than
  VP8/Opus (codec preferences are set on transceivers created *before*
  ``setRemoteDescription``, because aiortc fixes codecs while applying it).
* Subscriptions are server-initiated offers that add ``sendonly`` m-lines
  ("slots"). Slots are recycled: a freed slot keeps its m-line and is re-pointed
  at another publication of the same kind, which needs no SDP change -- only a
  ``tracks`` message saying whose media the mid now carries.
* One negotiation at a time per peer: everything that touches the pc's
  signaling state holds ``_lock``; changes arriving meanwhile set ``_dirty`` and
  the single negotiation task re-runs once the pc is stable again.
* Glare: the server is the *impolite* peer (aiortc cannot roll back). A client
  offer that arrives while a server offer is outstanding is rejected with
  ``MediaError("glare")``; the (polite) client rolls back, answers the server's
  offer, then re-sends its own. The first server offer waits until ICE/DTLS
  is connected, which proves the client has applied our first answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.sdp import SessionDescription

from . import errors, reoffer, sdp_guard
from .errors import MediaError
from .forwarding import Publication
from .ice import Network, PeerCandidates
from .passthrough import EncodedFrame, ReceiverTap
from .signals import SignalKind, SignalOut, TrackInfo
from .slots import SlotSet
from .tasks import TaskRegistry

logger = logging.getLogger(__name__)
# A transceiver created for a new client m-line, with its tap if it publishes.
Created = tuple[sdp_guard.OfferedTrack, RTCRtpTransceiver, ReceiverTap | None]
# Simulcast layers of the camera, by mid: (rank, height) (media.offer ``layers``).
Layers = dict[str, tuple[int, int]]


class PeerOwner(Protocol):
    def desired(self, peer: Peer) -> list[Publication]: ...
    def on_audio_level(self, peer: Peer, level: int) -> None: ...
    def on_connection_failed(self, peer: Peer) -> None: ...
    def on_packed(self, frame: EncodedFrame, packets: int, subscribers: int, sent_at: float | None = None) -> None: ...


class Peer:
    def __init__(
        self,
        participant_id: str,
        space_id: str,
        send: Callable[[SignalOut], Awaitable[None]],
        *,
        role: str,
        configuration: RTCConfiguration,
        owner: PeerOwner,
        peer_networks: Sequence[Network] = (),
    ) -> None:
        """``peer_networks``: non-public networks this peer's candidates may be in (ice.py)."""
        self.participant_id = participant_id
        self.space_id = space_id
        self.role = role
        self.pc = RTCPeerConnection(configuration)
        self.tasks = TaskRegistry(f"peer:{participant_id}")
        self.candidates = PeerCandidates(participant_id, peer_networks)
        self.publications: dict[str, Publication] = {}  # mid -> publication (a layered camera: its top layer)
        self.lower_layers: dict[str, Publication] = {}  # mid -> a layered camera's other layers
        self.slots = SlotSet(self.pc, owner.on_packed, self._on_video_paused)
        self.negotiations = 0
        self.closed = False
        self._send = send
        self._owner = owner
        self._mlines: dict[str, str] = {}  # negotiated mid -> kind, in m-line order
        self._offered: list[tuple[str, str]] | None = None  # outstanding server offer
        self._told: tuple[TrackInfo, ...] = ()  # the mapping mid -> source last signalled
        self._layers_told: tuple[str, ...] | None = None  # the active layers last signalled
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._dirty = False
        self._force_offer = False
        self._connected = False
        self._failed = False
        self.pc.on("connectionstatechange", self._on_connection_state)
        self.tasks.spawn(self._negotiation_loop(), "negotiation")

    # -- client-initiated negotiation -------------------------------------
    async def handle_offer(
        self, sdp: str, labels: dict[str, str], max_tracks: int, layers: Layers | None = None
    ) -> tuple[str, list[Publication], list[Publication]]:
        """Apply a client offer; returns (answer, new publications, ended ones). ``layers``:
        the camera's simulcast layers (a layered camera counts as one track)."""
        layers = layers or {}
        async with self._lock:
            self._check_usable()
            if self.pc.signalingState == "have-local-offer":
                raise MediaError(errors.GLARE, "server offer outstanding: roll back and answer it")
            new_layers = [mid for mid in layers if mid not in self._mlines]
            remaining = max_tracks - len(self.publications) + max(0, len(new_layers) - 1)
            _, offer = sdp_guard.check_offer(sdp, self._mlines, remaining)
            self._check_slot_directions(offer)
            created = self._precreate(offer.new)
            sdp = sdp_guard.drop_candidates(sdp, self.candidates.allows)
            await self._apply(lambda: self._answer(sdp))
            self._mlines = {t.mid: t.kind for t in offer.media}
            added = self._group_layers(self._adopt(created, labels), layers)
            removed = self._unpublish(offer)
            if self._dirty or self._force_offer:
                self._wake.set()
            return self.pc.localDescription.sdp, added, removed

    async def _answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())

    def _check_slot_directions(self, offer: sdp_guard.CheckedOffer) -> None:
        slot_mids = self.slots.mids()
        for track in offer.media:
            if track.mid in slot_mids and track.publishes:
                raise MediaError(
                    errors.UNSUPPORTED_MEDIA,
                    f"mid {track.mid} is a server m-line: publish with addTransceiver(sendonly)",
                )

    def _precreate(self, new: tuple[sdp_guard.OfferedTrack, ...]) -> list[Created]:
        created: list[Created] = []
        for track in new:
            direction = "recvonly" if track.publishes else "inactive"
            transceiver = self.pc.addTransceiver(track.kind, direction=direction)
            transceiver.setCodecPreferences(sdp_guard.codec_preferences(track.kind))
            tap = ReceiverTap(transceiver.receiver, track.kind) if track.publishes else None
            created.append((track, transceiver, tap))
        return created

    def _adopt(self, created: list[Created], labels: dict[str, str]) -> list[Publication]:
        added: list[Publication] = []
        videos = sum(p.kind == "video" for p in self.publications.values())
        for track, transceiver, tap in created:
            if transceiver.mid != track.mid:  # aiortc matched m-lines differently
                self._failed = True
                raise MediaError(errors.NEGOTIATION_FAILED, "m-line/transceiver mismatch")
            if tap is None:
                continue
            label = sdp_guard.label_for(track, labels, videos)
            videos += track.kind == "video"
            added.append(self._publish(track, tap, label))
        return added

    def _publish(self, track: sdp_guard.OfferedTrack, tap: ReceiverTap, label: str) -> Publication:
        pub = Publication(
            pub_id=f"{self.participant_id}/{track.mid}",
            participant_id=self.participant_id,
            kind=track.kind,
            label=label,
            mid=track.mid,
            send_pli=lambda: self._spawn_pli(tap),
        )
        tap.on_frame = pub.deliver
        if track.kind == "audio":
            tap.on_audio_level = lambda level: self._owner.on_audio_level(self, level)
        self.publications[track.mid] = pub
        return pub

    def _group_layers(self, added: list[Publication], layers: Layers) -> list[Publication]:
        """New camera publications named in ``layers`` become one layered camera: the space
        sees its top layer; the others are reached through it."""
        cameras = [p for p in added if p.mid in layers and p.kind == "video" and p.label == "camera"]
        if len(cameras) < 2:
            return added
        cameras.sort(key=lambda p: layers[p.mid][0])
        for pub in cameras:
            pub.height = layers[pub.mid][1]
            pub.on_demand = self._layers_needed
        cameras[-1].group(cameras)
        for pub in cameras[:-1]:
            self.lower_layers[pub.mid] = self.publications.pop(pub.mid)
        self._layers_needed()
        return [p for p in added if p not in cameras[:-1]]

    def _layers_needed(self) -> None:
        """Which of its layers anyone needs may have changed: tell the publisher if it did."""
        active = tuple(sorted(layer.mid for pub in self.publications.values() if pub.layered
                              for layer in pub.needed_layers()))
        if active == self._layers_told or self.closed:
            return
        self._layers_told = active
        self.tasks.spawn(self.notify(SignalOut(kind="layers", active=active, space_id=self.space_id)), "layers")

    def _spawn_pli(self, tap: ReceiverTap) -> None:
        self.tasks.spawn(tap.request_keyframe(), "pli")

    def _unpublish(self, offer: sdp_guard.CheckedOffer) -> list[Publication]:
        removed = []
        for track in offer.media:
            pub = self.publications.get(track.mid) or self.lower_layers.get(track.mid)
            if pub is None or track.publishes or pub.top.mid not in self.publications:
                continue
            top = self.publications.pop(pub.top.mid)  # a layer gone ends the whole camera
            top.close()
            for layer in top.layers[:-1]:
                self.lower_layers.pop(layer.mid, None)
            removed.append(top)
        return removed

    # -- server-initiated negotiation -------------------------------------
    def request_reconcile(self, *, force_offer: bool = False) -> None:
        """Subscriptions may have changed; renegotiate when the pc allows it."""
        self._dirty = True
        self._force_offer = self._force_offer or force_offer
        self._wake.set()

    async def _negotiation_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            async with self._lock:
                signal = await self._reconcile() if self._ready() else None
            if signal is not None:  # sent outside the lock: the reply may re-enter
                await self.notify(signal)

    def _ready(self) -> bool:
        return (
            self._connected
            and not self.closed
            and not self._failed
            and self.pc.signalingState == "stable"
            and (self._dirty or self._force_offer)
        )

    async def _reconcile(self) -> SignalOut | None:
        self._dirty = False
        sdp_changed, _ = self.slots.assign(self._owner.desired(self))
        if not (sdp_changed or self._force_offer):
            # Compared with what the client was last told, not with this pass: a publication
            # that ended (unpublished, or its owner left) frees our slots by itself.
            return self._tracks_signal("tracks") if self.track_infos() != self._told else None
        self._force_offer = False
        try:
            await self.pc.setLocalDescription(await reoffer.create_offer(self.pc))  # keeps settled PTs/ids
        except Exception as exc:
            self._failed = True
            logger.exception("offer for %s failed", self.participant_id)
            return SignalOut(kind="error", code=errors.NEGOTIATION_FAILED, message=str(exc))
        local = SessionDescription.parse(self.pc.localDescription.sdp)
        self._offered = [(str(m.rtp.muxId), m.kind) for m in local.media]
        self.negotiations += 1
        return self._tracks_signal("offer", sdp=self.pc.localDescription.sdp)

    def track_infos(self) -> tuple[TrackInfo, ...]:
        return self.slots.track_infos()

    def _tracks_signal(self, kind: SignalKind, sdp: str | None = None) -> SignalOut:
        self._told = self.track_infos()
        return SignalOut(kind=kind, sdp=sdp, tracks=self._told, space_id=self.space_id)

    async def handle_answer(self, sdp: str) -> None:
        async with self._lock:
            self._check_usable()
            if self.pc.signalingState != "have-local-offer" or self._offered is None:
                raise MediaError(errors.WRONG_STATE, "no server offer is outstanding")
            sdp_guard.check_answer(sdp, self._offered)
            sdp = sdp_guard.drop_candidates(sdp, self.candidates.allows)
            answer = RTCSessionDescription(sdp=sdp, type="answer")
            await self._apply(lambda: self.pc.setRemoteDescription(answer))
            self._mlines = dict(self._offered)
            self._offered = None
            if self._dirty or self._force_offer:
                self._wake.set()

    def _on_video_paused(self, paused: bool) -> None:
        """The subscriber's downlink could not carry its video (or can again): tell them."""
        logger.info("video %s for %s (estimate, loss: %s)", "paused" if paused else "resumed",
                    self.participant_id, self.slots.feedback.last_change)
        if not self.closed:
            signal = SignalOut(kind="video_paused", paused=paused, space_id=self.space_id)
            self.tasks.spawn(self.notify(signal), "video_paused")

    # -- misc ---------------------------------------------------------------
    async def add_ice_candidate(self, candidate: dict[str, object] | None) -> None:
        self._check_usable()
        try:
            parsed = sdp_guard.parse_candidate(candidate)
            if parsed is None or self.candidates.allows(parsed.ip):
                await self.pc.addIceCandidate(parsed)
        except MediaError:
            raise
        except Exception as exc:
            raise MediaError(errors.BAD_CANDIDATE, f"rejected candidate ({type(exc).__name__})") from exc

    async def _apply(self, step: Callable[[], Awaitable[None]]) -> None:
        try:
            await step()
        except MediaError:
            raise
        except Exception as exc:  # aiortc cannot roll back: the pc is unusable now
            self._failed = True
            raise MediaError(errors.NEGOTIATION_FAILED, f"{type(exc).__name__}: {exc}") from exc

    def _check_usable(self) -> None:
        if self.closed or self.pc.signalingState == "closed":
            raise MediaError(errors.WRONG_STATE, "peer connection is closed")
        if self._failed:
            raise MediaError(errors.NEGOTIATION_FAILED, "an earlier negotiation failed: rejoin")

    def _on_connection_state(self) -> None:
        state = self.pc.connectionState
        if state == "connected" and not self._connected:
            self._connected = True
            self._wake.set()
        elif state in ("failed", "closed") and not self.closed:
            self._owner.on_connection_failed(self)

    async def notify(self, signal: SignalOut) -> None:
        """Send a signal to the participant; a broken transport is only logged."""
        try:
            await self._send(signal)
        except Exception:
            logger.exception("send to %s failed", self.participant_id)

    async def close(self) -> None:
        self.closed = True
        for pub in self.publications.values():
            pub.close()
        self.slots.stop()
        await self.tasks.close()
        await self.pc.close()
