"""MediaServer: a forwarding SFU on aiortc (spaces, peers, subscriptions).

Transport-agnostic: signaling goes in through the coroutine methods and out
through each participant's ``send`` callback, so a websocket consumer can wrap
both in its own protocol. Media is forwarded encoded (see passthrough.py):
the server never decodes or encodes.
"""

from __future__ import annotations

import logging
import time
from collections import ChainMap
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCIceServer

from . import errors
from .captioning import CaptionService
from .errors import MediaError
from .forwarding import Publication
from .ice import DEFAULT_HOST_ADDRESSES, LOOPBACK_PEER_NETWORKS, parse_networks, restrict_host_addresses
from .layers import check_layers
from .peer import Peer
from .recording import RecordingService
from .remote import RemotePublisher
from .sdp_guard import check_labels
from .selection import PubRef, select_publications
from .signals import SignalOut
from .spaces import DEFAULT_ACTIVE_SPEAKERS, PLENARY, Crossings, Space
from .stats import ForwardStats
from .tasks import TaskRegistry

logger = logging.getLogger(__name__)
Send = Callable[[SignalOut], Awaitable[None]]
MAX_ID_LENGTH = 128


class MediaServer:
    def __init__(
        self,
        *,
        ice_servers: list[dict[str, Any]] | Callable[[], list[dict[str, Any]]] | None = None,
        host_addresses: list[str] | None = None,
        peer_networks: Sequence[str] = LOOPBACK_PEER_NETWORKS,
        max_tracks_per_peer: int = 3,
        active_speakers: int = DEFAULT_ACTIVE_SPEAKERS,
        captions: CaptionService | None = None,
    ) -> None:
        """``ice_servers``: [{"urls": ..., "username"?, "credential"?}] (STUN/TURN;
        none by default -- aiortc would otherwise use Google's STUN server), or a
        function called per peer connection (TURN credentials that expire).
        ``host_addresses``: addresses to offer host candidates on; process-wide
        (see ice.py), default loopback for tests/demo -- production passes the
        server's reachable addresses. ``peer_networks``: CIDRs of non-public
        addresses clients' ICE candidates may be in (ice.py; loopback by default
        for tests/demo -- production passes MEDIA_ALLOWED_PEER_NETWORKS, empty
        unless configured). ``max_tracks_per_peer``: tracks one
        participant may publish. ``active_speakers``: N for large spaces.
        ``captions``: automatic captions (captioning/); None: the server never decodes.
        """
        restrict_host_addresses(host_addresses or list(DEFAULT_HOST_ADDRESSES))
        self._peer_networks = parse_networks(peer_networks)  # ValueError on junk
        self._ice_servers = ice_servers if callable(ice_servers) else None
        self._configuration = _configuration([] if callable(ice_servers) else ice_servers or [])
        self._max_tracks = max_tracks_per_peer
        self._active_speakers = active_speakers
        self._peers: dict[str, Peer] = {}
        self._spaces: dict[str, Space] = {}
        self._configured: set[str] = set()
        self._tasks = TaskRegistry("media-server")
        self._stats = ForwardStats()
        # Handed to every sender and called per frame per subscriber: bound
        # straight to the stats, without a method of ours in between.
        self.on_packed = self._stats.on_packed
        self._closed = False
        self.captions = captions
        self.recording: RecordingService | None = None  # recording/, created by its first recording
        self.crossings = Crossings()  # the control tower: listening in, speaking to rooms
        # Cascading (cascade.py): members of this server's spaces whose media another worker
        # receives, and each local publisher's last audio level (relayed with its frames).
        self._remote: dict[str, RemotePublisher] = {}
        self.audio_levels: dict[str, int] = {}
        # Everyone whose media this server holds: its connections first, then the people relayed
        # in (recording, captions and the control tower hear both). A view: never copied.
        self.publishers: Mapping[str, Peer | RemotePublisher] = ChainMap(self._peers, self._remote)  # type: ignore[arg-type]

    # -- membership -----------------------------------------------------------
    async def join(self, participant_id: str, space_id: str, send: Send, *, role: str = "participant") -> None:
        if self._closed:
            raise MediaError(errors.SERVER_CLOSED, "media server is closed")
        _check_id(participant_id, "participant_id")
        _check_id(space_id, "space_id")
        _check_id(role, "role")
        if participant_id in self._peers:
            raise MediaError(errors.ALREADY_JOINED, f"{participant_id} already joined")
        configuration = self._configuration if self._ice_servers is None else _configuration(self._ice_servers())
        peer = Peer(participant_id, space_id, send, role=role, configuration=configuration, owner=self,
                    peer_networks=self._peer_networks)
        self._peers[participant_id] = peer
        self._space(space_id).add(participant_id)
        if self.captions is not None:  # a captioned space opens: the caption engine loads
            self.captions.refresh(self._space(space_id), self.publishers)
        peer.request_reconcile()  # runs once the connection is up

    async def move(self, participant_id: str, space_id: str) -> None:
        _check_id(space_id, "space_id")
        peer = self._peer(participant_id)
        old = self._spaces[peer.space_id]
        if old.space_id == space_id:
            return
        old.remove(participant_id)
        self._drop_space_if_empty(old)
        peer.space_id = space_id
        new = self._space(space_id)
        new.add(participant_id)
        peer.request_reconcile(force_offer=True)
        self._touch(old)
        self._touch(new)

    async def set_stage(self, space_id: str, participant_ids: list[str]) -> None:
        _check_id(space_id, "space_id")
        space = self._space(space_id)
        self._configured.add(space_id)  # the stage outlives an empty space
        space.set_stage([p for p in participant_ids if isinstance(p, str)])
        self._touch(space)

    def configure_space(self, space_id: str, *, large: bool | None = None, active_speakers: int | None = None) -> None:
        """Flag a space large (stage + N speakers) and/or set its N."""
        space = self._space(space_id)
        self._configured.add(space_id)
        if large is not None:
            space.large = large
        if active_speakers is not None:
            space.set_active_speakers(active_speakers)
        self._touch(space)

    async def leave(self, participant_id: str) -> None:
        peer = self._peers.pop(participant_id, None)
        if peer is None:
            return
        space = self._spaces.get(peer.space_id)
        for pub in peer.publications.values():
            pub.close()  # frees the slots of everyone receiving it
        self._uncross(participant_id)
        self.audio_levels.pop(participant_id, None)
        if space is not None:
            space.remove(participant_id)
            self._touch(space)
            self._drop_space_if_empty(space)
        await peer.close()

    async def close(self) -> None:
        self._closed = True
        for participant_id in list(self._peers):
            await self.leave(participant_id)
        await self._tasks.close()
        if self.captions is not None:
            await self.captions.close()
        if self.recording is not None:
            await self.recording.close()

    # -- signaling --------------------------------------------------------------
    async def handle_offer(
        self, participant_id: str, sdp: str, track_labels: dict[str, str] | None = None,
        layers: dict[str, tuple[int, int]] | None = None,
    ) -> str:
        """``layers``: the camera's simulcast layers, mid -> (rank, height)."""
        peer = self._peer(participant_id)
        answer, added, removed = await peer.handle_offer(sdp, check_labels(track_labels), self._max_tracks,
                                                         check_layers(layers))
        if added or removed:
            self._touch(self._spaces[peer.space_id], skip=participant_id)
            self._touch_spoken_to(participant_id)
        return answer

    async def handle_answer(self, participant_id: str, sdp: str) -> None:
        await self._peer(participant_id).handle_answer(sdp)

    async def add_ice_candidate(self, participant_id: str, candidate: dict[str, Any] | None) -> None:
        if candidate is not None and not isinstance(candidate, dict):
            raise MediaError(errors.BAD_CANDIDATE, "candidate must be an object or null")
        await self._peer(participant_id).add_ice_candidate(candidate)

    def set_hidden(self, participant_id: str, mids: list[str]) -> None:
        """``media.visible``: the video m-lines off this participant's screen get no video."""
        self._peer(participant_id).slots.set_hidden(set(mids))

    def set_sizes(self, participant_id: str, sizes: dict[str, int]) -> None:
        """``media.visible`` ``sizes``: how tall each video is on screen (picks its layer)."""
        self._peer(participant_id).slots.set_sizes(sizes)

    # -- PeerOwner callbacks ------------------------------------------------------
    def desired(self, peer: Peer) -> list[Publication]:
        space = self._spaces.get(peer.space_id)
        if space is None:
            return []
        by_id: dict[str, Publication] = {}
        refs: dict[str, list[PubRef]] = {}
        for member in space.members:
            # Two dict lookups rather than ``publishers``' ChainMap: this runs per member per reconcile.
            other: Peer | RemotePublisher | None = self._peers.get(member) or self._remote.get(member)
            if other is None or other is peer:
                continue
            for pub in other.publications.values():
                by_id[pub.pub_id] = pub
                refs.setdefault(member, []).append(PubRef(pub.pub_id, member, pub.label))
        chosen = select_publications(peer.participant_id, space.view(), refs)
        crossings = self.crossings
        wanted = [by_id[ref.pub_id] for ref in chosen
                  if not (by_id[ref.pub_id].kind == "audio" and crossings.withheld(ref.participant_id, space.space_id))]
        held = {p.pub_id for p in wanted}  # a moderator speaking to their own room is in it already
        return wanted + [p for p in self._crossing_audio(peer, space) if p.pub_id not in held]

    def _crossing_audio(self, peer: Peer, space: Space) -> list[Publication]:
        """The control tower's audio for ``peer``: the space it listens in to, and moderators
        speaking to its space (Crossings)."""
        listened, speakers = self.crossings.audio_sources(peer.participant_id, space.space_id)
        sources = list(speakers)
        target = self._spaces.get(listened) if listened is not None else None
        if target is not None:
            sources += [m for m in target.members if m != peer.participant_id]
            sources += [s for s in self.crossings.speakers_to(target.space_id) if s != peer.participant_id]
        pubs: list[Publication] = []
        for source in dict.fromkeys(sources):  # remote ones too: another worker's room, or moderator
            other = self.publishers.get(source)
            if other is not None:
                pubs += [p for p in other.publications.values() if p.kind == "audio"]
        return pubs

    # -- the control tower (Crossings) ------------------------------------------------
    def set_listening(self, participant_id: str, space_id: str | None) -> None:
        """``participant_id`` also hears ``space_id``'s microphones (None: stops)."""
        peer = self._peer(participant_id)
        if space_id is not None:
            _check_id(space_id, "space_id")
        self.crossings.listen(participant_id, space_id)
        peer.request_reconcile()

    def set_speaking(self, participant_id: str, space_ids: frozenset[str] | None) -> None:
        """``participant_id``'s microphone goes to ``space_ids`` only (None: back to normal)."""
        peer = self._peer(participant_id)
        for space_id in space_ids or ():
            _check_id(space_id, "space_id")
        self._speak(participant_id, space_ids, also=peer.space_id)

    def set_remote_speaking(self, participant_id: str, space_ids: frozenset[str] | None) -> None:
        """A moderator whose connection is on another worker speaks to ``space_ids`` of this one
        (cascade.py relays their microphone; None: stopped)."""
        if self.crossings.speaking.get(participant_id, frozenset()) != (space_ids or frozenset()):
            member = self._remote.get(participant_id)  # their own space here too (withheld from it)
            self._speak(participant_id, space_ids, also=member.space_id if member is not None else None)

    def _speak(self, participant_id: str, space_ids: frozenset[str] | None, also: str | None) -> None:
        before = self.crossings.speaking.get(participant_id, frozenset())
        self.crossings.speak(participant_id, space_ids)
        for space_id in {*before, *(space_ids or ()), *([also] if also else [])}:
            space = self._spaces.get(space_id)
            if space is not None:
                self._touch(space, skip=participant_id)

    def crossings_here(self) -> tuple[set[str], dict[str, frozenset[str]]]:
        """This server's own connections' crossings: the spaces they listen in to, and who
        speaks to which spaces (what the cascade tells the other workers)."""
        listened = {space for p, space in self.crossings.listening.items() if p in self._peers}
        return listened, {p: spaces for p, spaces in self.crossings.speaking.items() if p in self._peers}

    def space_voices(self, space_id: str) -> tuple[list[str], dict[str, float]]:
        """A space's members and when each active speaker was last heard (time.monotonic)."""
        space = self._spaces.get(space_id)
        if space is None:
            return [], {}
        return list(space.members), space.speakers.last_heard()

    def _uncross(self, participant_id: str) -> None:
        listened, spoken = self.crossings.forget(participant_id)
        for space_id in spoken:
            space = self._spaces.get(space_id)
            if space is not None:
                self._touch(space, skip=participant_id)

    def _touch_spoken_to(self, participant_id: str) -> None:
        for space_id in self.crossings.speaking.get(participant_id, ()):
            space = self._spaces.get(space_id)
            if space is not None:
                self._touch(space, skip=participant_id)

    def on_audio_level(self, peer: Peer | RemotePublisher, level: int) -> None:
        self.audio_levels[peer.participant_id] = level
        space = self._spaces.get(peer.space_id)
        if space is None or self.crossings.withheld(peer.participant_id, space.space_id):
            return  # speaking to rooms: not a speaker of their own space
        # Every space tracks its speakers (the control tower shows who speaks in each room);
        # only large and captioned spaces (a captioned room transcribes its speakers) act on it.
        changed = space.speakers.observe(peer.participant_id, level, time.monotonic())
        if changed and (space.large or (self.captions is not None and self.captions.captioned(space))):
            self._touch(space, skip=None)

    def on_connection_failed(self, peer: Peer) -> None:
        self._tasks.spawn(self._drop(peer), f"drop:{peer.participant_id}")

    async def _drop(self, peer: Peer) -> None:
        if self._peers.get(peer.participant_id) is not peer:
            return
        signal = SignalOut(kind="error", code=errors.CONNECTION_FAILED, message="media connection failed")
        await peer.notify(signal)
        await self.leave(peer.participant_id)

    # -- publishers on other media workers (cascade.py) ----------------------------------
    def add_remote(self, publisher: RemotePublisher) -> None:
        """A person whose media another worker receives becomes a member of their space here."""
        if publisher.participant_id in self._peers:
            return  # connected here itself (a move racing the relay's view): the local one wins
        self._remote[publisher.participant_id] = publisher
        if publisher.visiting:
            return  # a moderator speaking to rooms here: no member of any space (set_remote_speaking)
        space = self._space(publisher.space_id)
        space.add(publisher.participant_id)
        self._touch(space)

    def remote_changed(self, participant_id: str) -> None:
        """A remote publisher's publications changed (the cascade already updated them)."""
        publisher = self._remote.get(participant_id)
        space = self._spaces.get(publisher.space_id) if publisher is not None else None
        if space is not None:
            self._touch(space)
        self._touch_spoken_to(participant_id)

    def remove_remote(self, participant_id: str) -> None:
        publisher = self._remote.pop(participant_id, None)
        if publisher is None:
            return
        for pub in publisher.publications.values():
            pub.close()  # frees the slots of everyone receiving it
        self._uncross(participant_id)
        self.audio_levels.pop(participant_id, None)
        space = self._spaces.get(publisher.space_id)
        if space is not None:
            space.remove(participant_id)
            self._touch(space)
            self._drop_space_if_empty(space)

    def is_local(self, participant_id: str) -> bool:
        return participant_id in self._peers

    def publications_of(self, participant_id: str) -> list[Publication]:
        """What a member of a space publishes, local or remote ([] if gone)."""
        member = self.publishers.get(participant_id)
        return [] if member is None else list(member.publications.values())

    def find_publication(self, pub_id: str) -> Publication | None:
        """A local publication by id (``<participant>/<mid>``), a camera's lower layers
        included, for the relay."""
        participant_id, _, mid = pub_id.rpartition("/")
        peer = self._peers.get(participant_id)
        if peer is None:
            return None
        found = peer.publications.get(mid)
        if found is None:
            found = next((layer for pub in peer.publications.values() for layer in pub.layers if layer.mid == mid), None)
        return found

    def cascaded_spaces(self, also: Collection[str] = ()) -> dict[str, list[Peer]]:
        """The large spaces with connections on this server, and those connections; and the
        spaces of ``also`` (rooms another worker's moderator listens or speaks to) with theirs."""
        spaces: dict[str, list[Peer]] = {}
        for peer in self._peers.values():
            space = self._spaces.get(peer.space_id)
            if space is not None and (space.large or space.space_id in also):
                spaces.setdefault(space.space_id, []).append(peer)
        return spaces

    # -- helpers ----------------------------------------------------------------
    def _peer(self, participant_id: str) -> Peer:
        peer = self._peers.get(participant_id) if isinstance(participant_id, str) else None
        if peer is None:
            raise MediaError(errors.UNKNOWN_PARTICIPANT, f"{participant_id!r} has not joined")
        return peer

    def _space(self, space_id: str) -> Space:
        space = self._spaces.get(space_id)
        if space is None:
            space = Space(space_id, large=space_id == PLENARY, active_speakers=self._active_speakers)
            self._spaces[space_id] = space
        return space

    def _drop_space_if_empty(self, space: Space) -> None:
        if not space.members and space.space_id not in self._configured:
            self._spaces.pop(space.space_id, None)

    def caption_space(self, space_id: str, on: bool) -> None:
        """A moderator turned automatic captions of a space on or off (captioning/)."""
        if self.captions is not None:
            self.captions.set_space(space_id, on)
            space = self._spaces.get(space_id)
            if space is not None:
                self.captions.refresh(space, self.publishers)

    def _touch(self, space: Space, skip: str | None = None) -> None:
        if self.captions is not None:
            self.captions.refresh(space, self.publishers)
        if self.recording is not None:
            self.recording.refresh(space, self.publishers)
        for member in (*space.members, *self.crossings.listeners_of(space.space_id)):
            peer = self._peers.get(member)
            if peer is not None and member != skip:
                peer.request_reconcile()

    def peer(self, participant_id: str) -> Peer:
        """Introspection for tests and diagnostics."""
        return self._peer(participant_id)

    def reset_latency(self) -> None:
        self._stats.reset_latency()

    def stats(self) -> dict[str, Any]:
        peers = list(self._peers.values())
        return {
            "spaces": len(self._spaces),
            "space_members": {s.space_id: len(s.members) for s in self._spaces.values()},
            # Connections on this server only (space_members counts remote publishers too).
            "space_peers": {s.space_id: sum(m in self._peers for m in s.members) for s in self._spaces.values()},
            "remote_publishers": len(self._remote),
            "peers": len(peers),
            "publications": sum(len(p.publications) for p in peers),
            # Incoming video layers of simulcast cameras (a camera of 3 layers counts 3).
            "camera_layers": sum(len(pub.layers) for p in peers for pub in p.publications.values() if pub.layered),
            "slots": sum(len(p.slots) for p in peers),
            "subscriptions": sum(1 for p in peers for s in p.slots if s.track.source is not None),
            "dropped_frames": sum(s.track.dropped for p in peers for s in p.slots),
            "received_frames": sum(pub.frames_in for p in peers for pub in p.publications.values()),
            "forwarded_frames": self._stats.frames,
            "forwarded_packets": self._stats.packets,
            "keyframe_requests": sum(layer.keyframe_requests for p in peers for pub in p.publications.values()
                                     for layer in pub.layers),
            "layer_switches": sum(s.track.switches for p in peers for s in p.slots),
            "negotiations": sum(p.negotiations for p in peers),
            "tasks_alive": len(self._tasks) + sum(len(p.tasks) for p in peers),
            "forward_latency_ms": self._stats.latency_ms(),
        }


def _check_id(value: object, name: str) -> None:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_LENGTH:
        raise MediaError(errors.BAD_REQUEST, f"{name} must be a non-empty string (<= {MAX_ID_LENGTH})")


def _configuration(ice_servers: list[dict[str, Any]]) -> RTCConfiguration:
    return RTCConfiguration(iceServers=_ice_servers(ice_servers), bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


def _ice_servers(servers: list[dict[str, Any]]) -> list[RTCIceServer]:
    result = []
    for server in servers:
        if not isinstance(server, dict) or "urls" not in server:
            raise MediaError(errors.BAD_REQUEST, "ice server entries need 'urls'")
        result.append(
            RTCIceServer(urls=server["urls"], username=server.get("username"), credential=server.get("credential"))
        )
    return result
