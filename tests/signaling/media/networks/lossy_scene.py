"""The scene of test_lossy_link.py and bench/media_networks.py's lossy run: a presenter and one
viewer (in a namespace, netns.py) whose media crosses a ``LossyRelay``, and what it decoded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from signaling.media import MediaServer
from signaling.media.forwarding import Publication
from tests.signaling.media.synthetic import DirectTransport, PatternVideoTrack, SyntheticParticipant, ToneAudioTrack

from .lossy_relay import Impairment, LossyRelay, RelayedServer, lossy_relay
from .netns import Link
from .remote import RemoteViewer

TAG = 12
LAG = 0.1  # s from a frame reaching the server to the viewer decoding it (relay delay, resends)


@dataclass
class Seen:
    """What the viewer decoded while the publisher sent ``sent`` video and ``heard`` audio frames."""

    sent: int
    intact: int
    corrupt: int
    heard: int
    audio: int
    loud: int


@dataclass
class LossyRoom:
    server: MediaServer
    relay: LossyRelay
    viewer: RemoteViewer

    def publication(self, kind: str) -> Publication:
        return next(p for p in self.server._peers["presenter"].publications.values() if p.kind == kind)

    def server_side(self) -> dict[str, object]:
        """What the server did for the viewer (for a failing assertion's message)."""
        peer = self.server._peers["viewer"]
        feedback = peer.slots.feedback
        now = time.monotonic()
        sinks = [vars(s.track.sink) for s in peer.slots.slots if s.track.kind == "video"]
        return {
            "estimate": feedback.estimate.bitrate(now),
            "loss_factor": feedback.estimate.factor,
            "paused": feedback.paused,
            "pauses": feedback.gate.pauses,
            "told_paused": [s.paused for s in self.viewer.signals if s.kind == "video_paused"],
            "budget": {k: getattr(feedback.budget, k) for k in ("allowed", "duplicates", "over_budget", "window")},
            "resent": [s.get("retransmissions") for s in sinks],
            "refused": [s.get("resends_refused") for s in sinks],
            "relay": self.relay.counts,
        }

    async def watch(self, seconds: float) -> Seen:
        """Count over ``seconds`` what arrived at the server and what the viewer decoded of it."""
        camera, microphone = self.publication("video"), self.publication("audio")
        before = await self.viewer.report()
        start, sent, heard = time.monotonic(), camera.frames_in, microphone.frames_in
        await asyncio.sleep(seconds)
        end, sent, heard = time.monotonic(), camera.frames_in - sent, microphone.frames_in - heard
        await asyncio.sleep(0.5)  # what arrived by ``end`` has been decoded (resends included)
        after = await self.viewer.report()
        # The same length of time on the viewer, ``LAG`` later: what arrived decodes a little after.
        intact = len([t for t in after["video_at"] if start + LAG <= t <= end + LAG])
        # Every frame decoded between the two reports whose pattern did not read back intact.
        corrupt = (
            after["video_decoded"] - before["video_decoded"] - len([t for t in after["video_at"] if t > before["now"]])
        )
        audio = len([t for t in after["audio_at"] if start + LAG <= t <= end + LAG])
        return Seen(sent, intact, corrupt, heard, audio, after["audio_loud"] - before["audio_loud"])


@asynccontextmanager
async def lossy_room(server: MediaServer, link: Link, down: Impairment, up: Impairment) -> AsyncIterator[LossyRoom]:
    """A presenter (640×360 camera, a tone) and a viewer in ``link``'s namespace whose media
    crosses the relay; returns once the viewer decodes video."""
    publisher = SyntheticParticipant("presenter", DirectTransport(server), decode=False)
    publisher.publish("camera", PatternVideoTrack(TAG, 640, 360, fps=30, texture=True))
    publisher.publish("microphone", ToneAudioTrack())
    async with lossy_relay(link.host_ip, down, up) as relay:
        # Without REMB: what is measured is NACK/RTX and loss; an aiortc receiver's delay-based
        # estimate reads its own event loop's hiccups as overuse (viewer.py's _without_remb).
        viewer = RemoteViewer(RelayedServer(server, relay), link, "viewer", remb=False)  # type: ignore[arg-type]
        try:
            await publisher.join("room")
            await viewer.start()
            async with asyncio.timeout(20):
                while not (await viewer.report())["video_at"]:
                    await asyncio.sleep(0.25)
            yield LossyRoom(server, relay, viewer)
        finally:
            await viewer.stop()
            await publisher.close()
