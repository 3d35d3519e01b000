"""Cascading: one large space (the plenary) over several media workers.

With media workers, the web side places each plenary connection on the least-loaded live
worker (placement.py; presenters, moderators and organizers on the space's home worker), so
the plenary's subscribers spread over the workers. Each worker that has connections in a
large space runs the same selection as before on its own copy of the space, in which the
people connected to other workers are ``RemotePublisher`` members (remote.py) whose
publications are fed by this relay.

Who owns which fact:

* a person's membership, role and publications: the worker their connection is on. It
  writes them to Redis (``<prefix>:media:cascade:<space>``, one field per worker) on every sync;
  every other worker with connections in the space reads them and keeps its remote members in
  step (a dead worker's field is ignored: its heartbeat is gone).
* the stage: derived on every worker, by the same rule (hub.py ``_on_stage``), from those facts.
* active speakers: every worker ranks them from the same audio levels. A large space's
  microphones are always relayed to every worker of the space, each frame carrying the level its
  publisher's worker last read (RFC 6464), so each worker's ``SpeakerTracker`` sees every voice.
* what crosses: the receiving side asks. Each worker sends every other worker a lease (``L``,
  cascade_wire.py) naming the publications it wants: all remote microphones, and the remote
  videos some local subscriber receives now (a layered camera: the layers they receive or
  switch to, and the lowest; each layer crosses as a publication of its own). The worker that
  receives a publication relays its encoded frames once per worker that leases it
  (``Publication.relay``), as received (never decoded); a lease not renewed within ``LEASE_S``
  ends, so a dead worker's relays stop by themselves.
* keyframes: a remote publication's requests (already throttled to one a second by its
  ``Publication``) go back as ``P`` datagrams and are throttled again at the original, so every
  worker's viewers together cost the publisher at most one keyframe a second.

* the control tower across workers: a worker whose moderators listen in to a room, or speak to
  rooms, says so (``<prefix>:media:cascade-crossings``, one field per worker: the spaces listened
  to; each speaker's microphone and the spaces spoken to). A worker hosting such a room shares
  its facts as for a large space; the listener's worker reads them and relays the room's
  microphones in, as it does a remote plenary's; the speaker is a *visiting* ``RemotePublisher``
  on the room's worker (their microphone, a member of no space) whose voice that worker's
  ``Crossings`` sends to the rooms spoken to and withholds from every other space. The
  moderator's own worker stays the one owner of what they listen and speak to.

The relay is UDP on the workers' private network (``MEDIA_RELAY_HOST``, 127.0.0.1 here); a
worker accepts datagrams only from the relay addresses of live workers (their heartbeats).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from . import cascade_wire as wire
from .forwarding import Publication
from .hub import MediaHub
from .passthrough import EncodedFrame
from .placement import Placement
from .remote import RemotePublisher

logger = logging.getLogger(__name__)
SYNC_S = 0.25  # how often facts are written and read, and leases renewed
LEASE_S = 2.0  # a relay without a renewed lease stops after this long
RECEIVE_BUFFER = 4 * 1024 * 1024  # a keyframe burst from a few publications (capped by rmem_max)
Address = tuple[str, int]
Speaker = tuple[dict[str, Any], str, list[str]]  # a remote moderator's facts, worker, spaces spoken to


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, cascade: Cascade) -> None:
        self.cascade = cascade

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.cascade.received(data, (addr[0], addr[1]))

    def error_received(self, exc: Exception) -> None:  # e.g. ICMP unreachable: a worker just died
        logger.debug("cascade: %s", exc)


class _Incoming:
    """One remote publication on this worker: where it comes from and its reassembly."""

    def __init__(self, pub: Publication, publisher: RemotePublisher, addr: Address) -> None:
        self.pub, self.publisher, self.addr = pub, publisher, addr
        self.assembly = wire.Assembly()


class Cascade:
    """This worker's end of the relay: started and closed by ``relay.MediaWorker``."""

    def __init__(self, name: str, hub: MediaHub, placement: Placement, host: str) -> None:
        self.name, self.hub, self.placement, self.host = name, hub, placement, host
        self.server = hub.server
        self.address = ""
        self.transport: asyncio.DatagramTransport | None = None
        self._task: asyncio.Task[None] | None = None
        self.rejected = 0  # datagrams dropped: malformed, or from an address that is no live worker
        self._workers: dict[Address, str] = {}  # live workers' relay addresses
        self._written: set[str] = set()  # spaces whose facts this worker wrote
        self._crossing = False  # whether this worker's crossings are written (cascade-crossings)
        self._speaking: set[str] = set()  # other workers' moderators speaking to spaces here
        # Receiving side: remote publishers by media id, their publications by pub id.
        self._remote: dict[str, RemotePublisher] = {}
        self._incoming: dict[str, _Incoming] = {}
        # Sending side: leases by address (when, pub ids); what each local publication goes to.
        self._leases: dict[Address, tuple[float, frozenset[str]]] = {}
        self._targets: dict[str, list[Address]] = {}
        self._hooked: dict[str, Publication] = {}
        self._seq: dict[str, int] = {}

    async def start(self) -> str:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Endpoint(self), local_addr=(self.host, 0))
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            import socket

            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        host, port = transport.get_extra_info("sockname")[:2]
        self.address = f"{host}:{port}"
        self._task = loop.create_task(self._run(), name=f"cascade:{self.name}")
        return self.address

    async def _run(self) -> None:
        while True:
            try:
                await self.sync()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 — Redis hiccup: the next sync catches up
                logger.exception("cascade %s: sync failed", self.name)
            await asyncio.sleep(SYNC_S)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for participant_id in list(self._remote):
            await self._drop_remote(participant_id)
        self._apply_leases(time.monotonic() + 2 * LEASE_S)  # every lease expired: hooks off
        for space in self._written:
            await self.placement.redis.hdel(self._facts_key(space), self.name)
        if self._crossing:
            await self.placement.redis.hdel(self._crossings_key(), self.name)
        if self.transport is not None:
            self.transport.close()

    # ---- one sync: facts out, facts in, leases --------------------------------------------
    async def sync(self) -> None:
        alive = await self.placement.alive()
        self._workers = {_address(beat["relay"]): name for name, beat in alive.items()
                         if name != self.name and beat.get("relay")}
        relay_of = {name: _address(beat["relay"]) for name, beat in alive.items() if beat.get("relay")}
        redis = self.placement.redis
        here = self.server.crossings_here()
        listened, speakers = await self._share_crossings(here, relay_of)
        spoken_to = {space for _, _, to in speakers.values() for space in to}
        spaces = self.server.cascaded_spaces(also=listened | spoken_to)
        for space, peers in spaces.items():
            await redis.hset(self._facts_key(space), self.name, json.dumps(_facts(peers)))
        for space in self._written - set(spaces):
            await redis.hdel(self._facts_key(space), self.name)
        self._written = set(spaces)
        wanted: dict[str, tuple[dict[str, Any], str]] = {}
        for space in set(spaces) | here[0]:  # and the rooms listened in to from here
            for worker, raw in (await redis.hgetall(self._facts_key(space))).items():
                if worker == self.name or worker not in relay_of:
                    continue
                for person in json.loads(raw):
                    wanted.setdefault(person["id"], ({**person, "space": space}, worker))
        for participant_id, (person, worker, to) in speakers.items():
            if spaces.keys() & set(to):  # visiting the rooms here they speak to: their microphone only
                wanted.setdefault(participant_id, ({**person, "space": ""}, worker))
        await self._reconcile(wanted, relay_of)
        # All the spaces they speak to, not only ours: a plenary member here must not hear them either.
        self._remote_speaking({p: frozenset(to) for p, (_, _, to) in speakers.items()})
        self._send_leases()
        self._apply_leases(time.monotonic())

    # ---- the control tower across workers ---------------------------------------------------
    async def _share_crossings(self, here: tuple[set[str], dict[str, frozenset[str]]],
                               relay_of: dict[str, Address]) -> tuple[set[str], dict[str, Speaker]]:
        """Write which spaces this worker's moderators listen in to and speak to (``here``, with
        their microphones); read the other live workers'. Returns the spaces listened in to from
        other workers, and the moderators there speaking to rooms."""
        redis, key = self.placement.redis, self._crossings_key()
        listened, speaking = here
        if listened or speaking:
            ours = [{**_facts([self.server.peer(p)], kind="audio")[0], "to": sorted(to)} for p, to in speaking.items()]
            await redis.hset(key, self.name, json.dumps({"listen": sorted(listened), "speakers": ours}))
            self._crossing = True
        elif self._crossing:
            await redis.hdel(key, self.name)
            self._crossing = False
        theirs: set[str] = set()
        remote: dict[str, Speaker] = {}
        for worker, raw in (await redis.hgetall(key)).items():
            if worker == self.name or worker not in relay_of:
                continue  # a dead worker's crossings end with its heartbeat
            try:
                listen, speakers = _read_crossings(raw, worker)
            except (ValueError, TypeError, KeyError):  # another version's worker: its crossings wait
                logger.warning("cascade %s: unreadable crossings from %s", self.name, worker)
                continue
            theirs |= listen
            remote.update(speakers)
        return theirs, remote

    def _remote_speaking(self, speaking: dict[str, frozenset[str]]) -> None:
        """Other workers' moderators speak to these spaces of this one (or no longer do)."""
        for participant_id in self._speaking - speaking.keys():
            self.server.set_remote_speaking(participant_id, None)
        speaking = {p: spaces for p, spaces in speaking.items() if not self.server.is_local(p)}
        for participant_id, space_ids in speaking.items():
            self.server.set_remote_speaking(participant_id, space_ids or None)
        self._speaking = set(speaking)

    def _facts_key(self, space: str) -> str:
        return self.placement._key(f"cascade:{space}")

    def _crossings_key(self) -> str:
        return self.placement._key("cascade-crossings")

    async def _reconcile(self, wanted: dict[str, tuple[dict[str, Any], str]], relay_of: dict[str, Address]) -> None:
        for participant_id in [p for p in self._remote if p not in wanted]:
            await self._drop_remote(participant_id)
        for participant_id, (person, worker) in wanted.items():
            if self.server.is_local(participant_id):
                continue  # connected here now (a reconnect racing the facts): the local one wins
            current = self._remote.get(participant_id)
            if current is not None and (current.worker, current.space_id) != (worker, person["space"]):
                await self._drop_remote(participant_id)  # moved: built again below
                current = None
            if current is None:
                publisher = RemotePublisher(participant_id, person["space"], person["role"], worker)
                self._remote[participant_id] = publisher
                self._update_pubs(publisher, person["pubs"], relay_of[worker])
                await self.hub.add_remote(publisher)
            elif self._update_pubs(current, person["pubs"], relay_of[worker]):
                await self.hub.remote_changed(participant_id)

    def _update_pubs(self, publisher: RemotePublisher, pubs: list[list[Any]], addr: Address) -> bool:
        """Make ``publisher``'s publications ``pubs`` (``_pub_facts``); True if changed. A layered
        camera becomes its layers here too, grouped as on its own worker, each relayed alone."""
        listed = {fact[0]: fact for fact in pubs}
        changed = False
        for mid, pub in list(publisher.publications.items()):
            fact = listed.get(pub.pub_id)
            if fact is None or [layer.pub_id for layer in pub.layers] != [lid for lid, _, _ in _layer_facts(fact)]:
                pub.close()  # a top layer closes the layers below it
                del publisher.publications[mid]
                for layer in pub.layers:
                    self._incoming.pop(layer.pub_id, None)
                changed = True
        held = {pub.pub_id for pub in publisher.publications.values()}
        for pub_id, fact in listed.items():
            if pub_id in held:
                continue
            _, kind, label, mid = fact[:4]
            layers = []
            for layer_id, layer_mid, height in _layer_facts(fact):
                layer = Publication(layer_id, publisher.participant_id, kind, label, layer_mid,
                                    send_pli=self._pli_to(layer_id, addr))
                layer.height = height
                layers.append(layer)
                self._incoming[layer_id] = _Incoming(layer, publisher, addr)
            layers[-1].group(layers)
            publisher.publications[mid] = layers[-1]
            changed = True
        return changed

    def _pli_to(self, pub_id: str, addr: Address) -> Callable[[], None]:
        datagram = wire.pli_datagram(pub_id)
        return lambda: self._send(datagram, addr)

    async def _drop_remote(self, participant_id: str) -> None:
        publisher = self._remote.pop(participant_id)
        for pub in publisher.publications.values():
            self._incoming.pop(pub.pub_id, None)
        await self.hub.remove_remote(participant_id)

    def _send_leases(self) -> None:
        """Tell every other live worker which of its publications this one needs now."""
        by_worker: dict[Address, list[str]] = {addr: [] for addr in self._workers}
        for pub_id, incoming in self._incoming.items():
            if _wanted_here(incoming.pub):
                by_worker.setdefault(incoming.addr, []).append(pub_id)
        for addr, pub_ids in by_worker.items():
            self._send(wire.lease_datagram(self.name, pub_ids), addr)

    # ---- sending side: relaying local publications -----------------------------------------
    def _apply_leases(self, now: float) -> None:
        for addr in [a for a, (when, _) in self._leases.items() if now - when > LEASE_S]:
            del self._leases[addr]
        targets: dict[str, list[Address]] = {}
        for addr, (_, pub_ids) in self._leases.items():
            for pub_id in pub_ids:
                targets.setdefault(pub_id, []).append(addr)
        for pub_id in [p for p in self._hooked if p not in targets]:
            unhooked = self._hooked.pop(pub_id)
            unhooked.relay = None
            unhooked.top.demand_changed()  # a layer only another worker needed may pause at its publisher
            self._seq.pop(pub_id, None)
        for pub_id, addrs in targets.items():
            pub = self.server.find_publication(pub_id)
            if pub is None or pub.closed:
                self._hooked.pop(pub_id, None)
                continue
            fresh = set(addrs) - set(self._targets.get(pub_id, ()))
            if self._hooked.get(pub_id) is not pub:
                pub.relay = self._relay(pub)
                self._hooked[pub_id] = pub
                pub.top.demand_changed()  # the publisher sends this layer while another worker needs it
            if fresh and pub.kind == "video":
                pub.request_keyframe()  # the new worker's viewers start decoding at once
        self._targets = targets

    def _relay(self, pub: Publication) -> Callable[[EncodedFrame], None]:
        pub_key, pub_id, audio = pub.pub_id.encode(), pub.pub_id, pub.kind == "audio"
        levels, participant_id = self.server.audio_levels, pub.participant_id

        def relay(frame: EncodedFrame) -> None:  # on the forwarding path: never raises
            addrs = self._targets.get(pub_id)
            if not addrs or self.transport is None:
                return
            seq = self._seq[pub_id] = self._seq.get(pub_id, -1) + 1
            level = levels.get(participant_id, wire.NO_LEVEL) if audio else wire.NO_LEVEL
            datagrams = wire.frame_datagrams(pub_key, seq, frame.data, frame.timestamp, frame.keyframe, level,
                                             frame.clock_rate)
            sendto = self.transport.sendto
            for addr in addrs:
                for datagram in datagrams:
                    sendto(datagram, addr)

        return relay

    # ---- receiving side -------------------------------------------------------------------
    def received(self, data: bytes, addr: Address) -> None:
        if addr not in self._workers:
            self.rejected += 1
            return
        try:
            kind = data[:1]
            if kind == wire.FRAME:
                self._piece(wire.parse_piece(data))
            elif kind == wire.LEASE:
                _, pub_ids = wire.parse_lease(data)
                self._leases[addr] = (time.monotonic(), pub_ids)
                self._apply_leases(time.monotonic())
            elif kind == wire.PLI:
                pub = self.server.find_publication(wire.parse_pli(data))
                if pub is not None:
                    pub.request_keyframe()
            else:
                raise wire.BadDatagram("unknown datagram type")
        except wire.BadDatagram as exc:
            self.rejected += 1
            logger.warning("cascade %s: dropped a datagram from %s: %s", self.name, addr, exc)
        except Exception:  # noqa: BLE001 — one bad frame must not stop the relay
            logger.exception("cascade %s: relayed frame failed", self.name)

    def _piece(self, piece: wire.Piece) -> None:
        incoming = self._incoming.get(piece.pub_id)
        if incoming is None:
            return  # not (or no longer) a publication this worker relays in
        data, lost = incoming.assembly.feed(piece)
        pub = incoming.pub
        if lost and pub.kind == "video":
            for slot in list(pub.subscribers):
                slot.resync()  # a frame is missing: restart at a keyframe, never show garbage
        if data is None:
            return
        if piece.level != wire.NO_LEVEL:
            self.server.on_audio_level(incoming.publisher, piece.level)
        pub.deliver(EncodedFrame(data, piece.timestamp, piece.keyframe, piece.clock_rate, time.monotonic()))

    def _send(self, datagram: bytes, addr: Address) -> None:
        if self.transport is not None:
            self.transport.sendto(datagram, addr)

    def relayed_out(self) -> set[str]:
        """The local publications (a camera's layers each) relayed to other workers now."""
        return set(self._targets)

    def stats(self) -> dict[str, Any]:
        return {"remote_publishers": len(self._remote), "relayed_in": len(self._incoming),
                "relayed_out": sum(len(a) for a in self._targets.values()), "rejected": self.rejected,
                "lost_frames": sum(i.assembly.lost for i in self._incoming.values())}


def _read_crossings(raw: str, worker: str) -> tuple[set[str], dict[str, Speaker]]:
    """Another worker's ``cascade-crossings`` field: the spaces listened in to, the speakers."""
    shared = json.loads(raw)
    speakers: dict[str, Speaker] = {}
    for person in shared["speakers"]:
        media_id = str(person["id"])
        facts = {"id": media_id, "role": str(person["role"]), "pubs": list(person["pubs"])}
        speakers[media_id] = (facts, worker, [str(space) for space in person["to"]])
    return {str(space) for space in shared["listen"]}, speakers


def _facts(peers: list[Any], kind: str | None = None) -> list[dict[str, Any]]:
    """The people of one space connected here, as other workers need them (``kind``: only
    those publications, e.g. a moderator speaking to rooms sends only their microphone)."""
    return [{"id": peer.participant_id, "role": peer.role,
             "pubs": [_pub_facts(pub) for pub in peer.publications.values()
                      if pub.top is pub and not pub.closed and kind in (None, pub.kind)]}
            for peer in peers]


def _pub_facts(pub: Publication) -> list[Any]:
    """``[pub_id, kind, label, mid]`` of a publication the space sees; a layered camera adds its
    layers, lowest first: ``[[pub_id, mid, height], ...]`` (the top one last: ``pub`` itself)."""
    fact: list[Any] = [pub.pub_id, pub.kind, pub.label, pub.mid]
    if pub.layered:
        fact.append([[layer.pub_id, layer.mid, layer.height] for layer in pub.layers])
    return fact


def _layer_facts(fact: list[Any]) -> list[tuple[str, str, int | None]]:
    if len(fact) > 4:
        return [(str(lid), str(mid), height if isinstance(height, int) else None) for lid, mid, height in fact[4]]
    return [(fact[0], fact[3], None)]


def _wanted_here(pub: Publication) -> bool:
    """Whether this worker needs a remote publication relayed now: every microphone (each worker
    ranks the speakers); a camera's layers that its subscribers here receive or switch to (and
    its lowest, the fallback of a weak one), while anyone here receives or records the camera."""
    if pub.kind == "audio":
        return True
    top = pub.top
    if not any(layer.subscribers or layer.waiting or layer.recording for layer in top.layers):
        return False
    return pub in top.needed_layers()


def _address(text: str) -> Address:
    host, _, port = text.rpartition(":")
    return host, int(port)
