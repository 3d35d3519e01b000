"""UDP sockets a test owns, counting the STUN binding requests the media server sends them."""
from __future__ import annotations

import asyncio

STUN_BINDING_REQUEST = b"\x00\x01"
STUN_MAGIC_COOKIE = b"\x21\x12\xa4\x42"


class StunTrap(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.requests = 0
        self.hit = asyncio.Event()
        self.port = 0
        self._transport: asyncio.DatagramTransport | None = None

    @classmethod
    async def open(cls, host: str) -> StunTrap:
        transport, trap = await asyncio.get_running_loop().create_datagram_endpoint(cls, local_addr=(host, 0))
        trap._transport = transport
        trap.port = transport.get_extra_info("sockname")[1]
        return trap

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if data[:2] == STUN_BINDING_REQUEST and data[4:8] == STUN_MAGIC_COOKIE:
            self.requests += 1
            self.hit.set()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


def candidate(foundation: int, host: str, port: int, priority: int) -> str:
    return f"candidate:{foundation} 1 udp {priority} {host} {port} typ host"


def without_candidates(sdp: str) -> str:
    return "".join(line for line in sdp.splitlines(True) if not line.startswith(("a=candidate:", "a=end-of-candidates")))


def with_candidates(sdp: str, lines: list[str], mid: str = "0") -> str:
    return sdp.replace(f"a=mid:{mid}\r\n", f"a=mid:{mid}\r\n" + "".join(f"a={line}\r\n" for line in lines), 1)
