"""The scene the weak-viewer test and bench/media_networks.py share: one room with a presenter
(a 640×360 camera and a tone), a viewer on the unshaped side and one behind the shaped link."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from signaling.media import MediaServer
from tests.media.synthetic import DirectTransport, PatternVideoTrack, SyntheticParticipant, ToneAudioTrack

from .netns import Link
from .remote import RemoteViewer


@dataclass
class WeakViewerRoom:
    publisher: SyntheticParticipant
    strong: SyntheticParticipant
    weak: RemoteViewer


@asynccontextmanager
async def weak_viewer_room(server: MediaServer, link: Link, tag: int) -> AsyncIterator[WeakViewerRoom]:
    """Everyone in "room", the strong viewer already seeing camera ``tag``; the weak viewer is
    made but not started (the caller limits the link first). All of them leave on exit."""
    direct = DirectTransport(server)
    publisher = SyntheticParticipant("presenter", direct, decode=False)
    publisher.publish("camera", PatternVideoTrack(tag, 640, 360, fps=30, texture=True))
    publisher.publish("microphone", ToneAudioTrack())
    strong = SyntheticParticipant("strong", direct)
    weak = RemoteViewer(server, link, "weak")
    try:
        await publisher.join("room")
        await strong.join("room")
        await strong.wait_video(tag, timeout=20)
        yield WeakViewerRoom(publisher, strong, weak)
    finally:
        await weak.stop()
        await strong.close()
        await publisher.close()
