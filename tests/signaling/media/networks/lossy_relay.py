"""Loss, delay and reordering for media tests: a user-space UDP relay the test owns.

This kernel has no netem, so what a lossy link does to packets is done here, in the test's
event loop: the viewer's ICE traffic goes through ``LossyRelay``, which drops a fraction of
the packets at random (seeded: a run can be repeated), delays them and holds some back so
later ones overtake them. The relay only binds the address it is given (the server side of
the test's veth link, or 127.0.0.1), and ``lossy_relay`` closes it however the test ends.

How the traffic gets there: both sides' ICE candidates are rewritten in the signaling
(``RelayedServer``). The viewer is told the server is at a relay socket that stands in for
the server's candidate, and the server is told the viewer is at a relay socket that stands in
for the viewer's; neither learns the other's real address, so no ICE pair bypasses the relay.

    viewer ── A (stands in for the server) ─relay─ B (stands in for the viewer) ── server

Only SRTP/SRTCP (first byte 128–191, RFC 7983) is dropped, delayed or reordered; STUN and
DTLS pass straight through, so the handshake does not depend on the draw (a real link
loses those too, and they retransmit; testing that is not the point here).
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from signaling.media import MediaServer, SignalOut

Address = tuple[str, int]
Send = Callable[[SignalOut], Awaitable[None]]
_CANDIDATE = re.compile(r"^(a=candidate:\S+ \d+ udp \d+ )(\S+) (\d+)( typ .*)$", re.IGNORECASE | re.MULTILINE)


@dataclass
class Impairment:
    """What one direction of the link does to media packets."""

    loss: float = 0.0  # fraction dropped at random
    delay: float = 0.0  # seconds every packet is late
    reorder: float = 0.0  # fraction held back by ``reorder_by`` so that later packets overtake them
    reorder_by: float = 0.02


@dataclass
class Counts:
    passed: int = 0
    dropped: int = 0
    reordered: int = 0
    unknown: int = 0  # from an address no candidate named: not forwarded


@dataclass
class _Side(asyncio.DatagramProtocol):
    """One relay socket: it stands in for ``stands_for`` towards the other side."""

    relay: LossyRelay
    stands_for: Address
    faces_server: bool  # True: it stands in for the viewer, the server sends to it
    transport: asyncio.DatagramTransport | None = field(default=None, repr=False)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.relay._received(self, data, (addr[0], addr[1]))

    def address(self) -> Address:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return host, port


class LossyRelay:
    def __init__(self, bind: str, down: Impairment, up: Impairment, seed: int = 16) -> None:
        self.bind = bind
        self.down, self.up = down, up  # down: server -> viewer
        self.counts = {"down": Counts(), "up": Counts()}
        self._random = random.Random(seed)
        self._for_server: dict[Address, _Side] = {}  # server candidate -> socket the viewer sends to
        self._for_viewer: dict[Address, _Side] = {}  # viewer candidate -> socket the server sends to
        self._timers: set[asyncio.TimerHandle] = set()
        self._closed = False

    async def stand_in(self, real: Address, *, for_server: bool) -> Address:
        """The relay address that stands in for ``real`` (a candidate of the server or viewer)."""
        sides = self._for_server if for_server else self._for_viewer
        if real not in sides:
            side = _Side(self, real, faces_server=not for_server)
            await asyncio.get_running_loop().create_datagram_endpoint(lambda: side, local_addr=(self.bind, 0))
            sides[real] = side
        return sides[real].address()

    def _received(self, side: _Side, data: bytes, source: Address) -> None:
        if side.faces_server:  # the server sent it to the viewer ``side`` stands for
            out, direction, impairment = self._for_server.get(source), "down", self.down
        else:  # the viewer sent it to the server ``side`` stands for
            out, direction, impairment = self._for_viewer.get(source), "up", self.up
        counts = self.counts[direction]
        if out is None or out.transport is None:
            counts.unknown += 1
            return
        if not 128 <= (data[0] if data else 0) <= 191:  # STUN, DTLS: not impaired
            out.transport.sendto(data, side.stands_for)
            counts.passed += 1
            return
        if self._random.random() < impairment.loss:
            counts.dropped += 1
            return
        late = impairment.delay
        if impairment.reorder and self._random.random() < impairment.reorder:
            late += impairment.reorder_by
            counts.reordered += 1
        counts.passed += 1
        if late <= 0:
            out.transport.sendto(data, side.stands_for)
            return
        self._send_later(late, out, data, side.stands_for)

    def _send_later(self, late: float, out: _Side, data: bytes, to: Address) -> None:
        def send() -> None:
            self._timers.discard(handle)
            if not self._closed and out.transport is not None:
                out.transport.sendto(data, to)

        handle = asyncio.get_running_loop().call_later(late, send)
        self._timers.add(handle)

    async def rewrite(self, sdp: str, *, from_server: bool) -> str:
        """``sdp`` with each UDP candidate's address replaced by the relay's stand-in for it."""
        replaced: dict[Address, Address] = {}
        for match in _CANDIDATE.finditer(sdp):
            real = (match.group(2), int(match.group(3)))
            replaced[real] = await self.stand_in(real, for_server=from_server)

        def swap(match: re.Match[str]) -> str:
            host, port = replaced[(match.group(2), int(match.group(3)))]
            return f"{match.group(1)}{host} {port}{match.group(4)}"

        return _CANDIDATE.sub(swap, sdp)

    def close(self) -> None:
        self._closed = True
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        for side in [*self._for_server.values(), *self._for_viewer.values()]:
            if side.transport is not None:
                side.transport.close()


@asynccontextmanager
async def lossy_relay(
    bind: str, down: Impairment, up: Impairment | None = None, seed: int = 16
) -> AsyncIterator[LossyRelay]:
    relay = LossyRelay(bind, down, up or Impairment(), seed)
    try:
        yield relay
    finally:
        relay.close()


class RelayedServer:
    """The ``MediaServer`` as one viewer's signaling sees it: candidates point at the relay.

    Stands in for the server in ``RemoteViewer`` (which calls these four methods).
    """

    def __init__(self, server: MediaServer, relay: LossyRelay) -> None:
        self.server, self.relay = server, relay

    async def join(self, participant_id: str, space_id: str, send: Send) -> None:
        async def relayed(signal: SignalOut) -> None:
            if signal.sdp:
                sdp = await self.relay.rewrite(signal.sdp, from_server=True)
                signal = SignalOut.from_dict({**signal.to_dict(), "sdp": sdp})
            await send(signal)

        await self.server.join(participant_id, space_id, relayed)

    async def handle_offer(self, participant_id: str, sdp: str, labels: dict[str, str]) -> str:
        offer = await self.relay.rewrite(sdp, from_server=False)
        answer = await self.server.handle_offer(participant_id, offer, labels)
        return await self.relay.rewrite(answer, from_server=True)

    async def handle_answer(self, participant_id: str, sdp: str) -> None:
        await self.server.handle_answer(participant_id, await self.relay.rewrite(sdp, from_server=False))

    async def leave(self, participant_id: str) -> None:
        await self.server.leave(participant_id)
