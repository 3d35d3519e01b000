"""A viewer on a lossy link still sees smooth, intact video and hears the audio.

The viewer's aiortc peer runs in its own network namespace (netns.py, link unshaped) and
all its media goes through a user-space relay that loses and reorders packets
(lossy_relay.py; this kernel has no netem). What a user would notice is asserted: at 5 %
random loss both ways, NACK/RTX keeps the decoded frame rate at ≥ 90 % of what the
publisher sends, audio plays; with reordering, no frame decodes corrupt.

The viewer NACKs as a browser does (again every round trip while a packet is missing: aiortc
alone asks only when a new gap appears, and a lost resend then froze the picture ~6 s) and
sends no REMB (its estimate reads its own event loop's hiccups as overuse): viewer.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

import pytest

from signaling.media import MediaServer

from .lossy_relay import Counts, Impairment, lossy_relay
from .lossy_scene import lossy_room
from .netns import Link

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("browser_like_audio")]


@pytest.mark.asyncio
async def test_at_5_percent_loss_both_ways_the_viewer_keeps_90_percent_of_the_frames_and_audio(
    server: MediaServer, link: Link
) -> None:
    loss = Impairment(loss=0.05, delay=0.01)
    async with lossy_room(server, link, down=loss, up=loss) as room:
        await asyncio.sleep(1)  # past the first keyframe's resends
        seen = await room.watch(10)
        down = room.relay.counts["down"]
        assert down.dropped > 0.03 * (down.passed + down.dropped), down  # the link did lose packets
        assert seen.intact >= 0.9 * seen.sent, (seen, room.server_side())
        assert seen.corrupt == 0, seen
        # The tone plays. Audio is not resent (nor by browsers: Opus conceals a lost packet), and
        # an aiortc receiver loses more than the link did: its audio jitter buffer (16 packets)
        # stalls at a gap until it overflows, then drops, so 5 % loss decodes ~75 % of the frames
        # even in order, 60-86 % over 300 seeds of 500 packets (aiortc's JitterBuffer(16,
        # prefetch=4) fed 5 % loss). Video is what NACK/RTX is for.
        assert seen.audio >= 0.55 * seen.heard and seen.loud >= 0.8 * seen.audio, seen
        assert room.viewer.paused() is None  # 5 % loss is not congestion: video never paused


@pytest.mark.asyncio
async def test_reordered_packets_never_decode_a_corrupt_frame(server: MediaServer, link: Link) -> None:
    jumbled = Impairment(loss=0.01, delay=0.01, reorder=0.1, reorder_by=0.03)
    async with lossy_room(server, link, down=jumbled, up=Impairment(delay=0.01)) as room:
        seen = await room.watch(8)
        assert room.relay.counts["down"].reordered > 50  # overtaken by the next frame's packets
        assert seen.corrupt == 0, seen
        assert seen.intact >= 0.9 * seen.sent, (seen, room.server_side())


class _Socket(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.sources: set[tuple[str, int]] = set()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.append(data)
        self.sources.add(addr[:2])


async def _socket() -> tuple[asyncio.DatagramTransport, _Socket, tuple[str, int]]:
    transport, socket = await asyncio.get_running_loop().create_datagram_endpoint(_Socket, ("127.0.0.1", 0))
    return transport, socket, transport.get_extra_info("sockname")[:2]


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.005)


async def _send(socket: asyncio.DatagramTransport, packets: list[bytes], to: tuple[str, int], counts: Counts) -> None:
    """In batches, each through the relay before the next: a burst would overflow its socket."""
    done = counts.passed + counts.dropped
    for start in range(0, len(packets), 50):
        batch = packets[start : start + 50]
        for packet in batch:
            socket.sendto(packet, to)
        done += len(batch)
        await _until(partial(_relayed, counts, done))


def _relayed(counts: Counts, n: int) -> bool:
    return counts.passed + counts.dropped >= n


def _candidate(address: tuple[str, int]) -> str:
    return f"v=0\r\na=candidate:1 1 udp 2130706431 {address[0]} {address[1]} typ host\r\na=mid:0\r\n"


@pytest.mark.asyncio
async def test_the_relay_loses_and_reorders_only_media_and_hides_each_side_from_the_other() -> None:
    """No namespace needed: the relay itself, on 127.0.0.1."""
    up, down = Impairment(loss=0.2), Impairment(reorder=0.3, reorder_by=0.02)
    server_t, server, server_at = await _socket()
    viewer_t, viewer, viewer_at = await _socket()
    try:
        async with lossy_relay("127.0.0.1", down, up, seed=3) as relay:
            told_viewer = await relay.rewrite(_candidate(server_at), from_server=True)
            told_server = await relay.rewrite(_candidate(viewer_at), from_server=False)
            assert f" {server_at[1]} typ" not in told_viewer and told_viewer.endswith("a=mid:0\r\n")
            relay_for_server = (told_viewer.split()[5], int(told_viewer.split()[6]))
            relay_for_viewer = (told_server.split()[5], int(told_server.split()[6]))

            # media (RTP's first byte), and every tenth one STUN, which must all arrive
            packets = [bytes([0x00 if n % 10 == 0 else 0x80, 0]) + n.to_bytes(2, "big") for n in range(1000)]
            await _send(viewer_t, packets, relay_for_server, relay.counts["up"])
            await _until(lambda: len(server.received) == relay.counts["up"].passed)
            assert len([p for p in server.received if p[0] == 0]) == 100  # STUN: none lost
            media = len(server.received) - 100
            assert 900 * 0.75 <= media <= 900 * 0.85, media  # ~20 % lost
            assert server.sources == {relay_for_viewer}  # the server never sees the viewer's address

            packets = [bytes([0x80, 0]) + n.to_bytes(2, "big") for n in range(300)]
            await _send(server_t, packets, relay_for_viewer, relay.counts["down"])
            await _until(lambda: len(viewer.received) == 300)
            order = [int.from_bytes(p[2:], "big") for p in viewer.received]
            assert sorted(order) == list(range(300)) and order != sorted(order)  # all there, not in order
            assert viewer.sources == {relay_for_server}
    finally:
        server_t.close()
        viewer_t.close()
