"""The scene the weak-viewer test and bench/media_networks.py share: one room with a presenter
(a 640×360 camera and a tone), a viewer on the unshaped side and one behind the shaped link.
With ``layers`` the camera is published in simulcast layers (LAYERS, at LAYER_FPS), as the
browser client does."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from signaling.media import MediaServer
from tests.signaling.media.synthetic import DirectTransport, PatternVideoTrack, SyntheticParticipant, ToneAudioTrack

from .netns import Link
from .remote import RemoteViewer

LAYERS = ((160, 90), (320, 180), (640, 360))
LAYER_FPS = 24
@dataclass
class WeakViewerRoom:
    publisher: SyntheticParticipant
    strong: SyntheticParticipant
    weak: RemoteViewer


@asynccontextmanager
async def weak_viewer_room(
    server: MediaServer, link: Link, tag: int, *, layers: bool = False
) -> AsyncIterator[WeakViewerRoom]:
    """Everyone in "room", the strong viewer already seeing camera ``tag``; the weak viewer is
    made but not started (the caller limits the link first). All of them leave on exit."""
    direct = DirectTransport(server)
    publisher = SyntheticParticipant("presenter", direct, decode=False)
    if layers:
        publisher.publish_layers(tag, LAYERS, fps=LAYER_FPS)
    else:
        publisher.publish("camera", PatternVideoTrack(tag, 640, 360, fps=30, texture=True))
    publisher.publish("microphone", ToneAudioTrack())
    # With layers the strong viewer counts encoded frames instead of decoding them: it shares this
    # process's event loop with the server, and its decoding delays what it receives enough for
    # its (delay-based) estimator to see congestion on a busy box.
    strong = SyntheticParticipant("strong", direct, decode=not layers)
    weak = RemoteViewer(server, link, "weak")
    try:
        await publisher.join("room")
        await strong.join("room")
        if layers:
            async with asyncio.timeout(20):
                while not strong.encoded_frames:
                    await asyncio.sleep(0.05)
        else:
            await strong.wait_video(tag, timeout=20)
        yield WeakViewerRoom(publisher, strong, weak)
    finally:
        await weak.stop()
        await strong.close()
        await publisher.close()
