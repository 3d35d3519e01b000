"""The recorder's faults on the real media server (real aiortc peers, no database): a disk that
stalls drops frames and marks a gap while forwarding goes on; a full disk stops the recording
and says so; a writer that dies leaves files readable up to about a second before it died."""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import av
import pytest

from signaling.media import MediaServer
from signaling.media.recording import service
from signaling.media.recording.timeline import FILE, Timeline
from tests.signaling.media.conftest import ParticipantFactory
from tests.signaling.media.synthetic import PatternVideoTrack, read_pattern

pytestmark = [pytest.mark.timeout(60)]
CAMERA, SCREEN = 61, 62


def tags_at(path: Path, times: list[float]) -> list[int | None]:
    """The pattern tag the rendered picture shows at each time."""
    seen: list[int | None] = []
    with av.open(str(path)) as container:
        frames = [(f.time, f) for f in container.decode(video=0)]
    for t in times:
        frame = min(frames, key=lambda item: abs(item[0] - t))[1]
        found = read_pattern(frame)
        seen.append(found[0] if found else None)
    return seen


async def _presenting(server: MediaServer, participants: ParticipantFactory) -> tuple[object, object]:
    presenter = participants("P", decode=False)
    presenter.publish("camera", PatternVideoTrack(CAMERA))
    listener = participants("L")
    await server.set_stage("plenary", ["P"])
    await presenter.join("plenary")
    await listener.join("plenary")
    await listener.wait_video(CAMERA, timeout=10)
    return presenter, listener


@pytest.mark.asyncio
async def test_a_stalled_disk_drops_frames_and_marks_a_gap_and_forwarding_goes_on(
        server: MediaServer, participants: ParticipantFactory, tmp_path: Path) -> None:
    _, listener = await _presenting(server, participants)
    folder = tmp_path / "raw"
    folder.mkdir()
    os.mkfifo(folder / "01-camera.webm")  # nobody reads it: the writer blocks, as on a dead disk
    recorder = service.recorder_of(server, queue_frames=10)
    await service.start(server, "plenary", folder)

    stalled_at = time.monotonic()
    await listener.wait_video(CAMERA, timeout=5, since=stalled_at + 3.0)  # frames keep arriving
    live = recorder.live("plenary")
    assert live is not None and live.dropped > 0 and live.open_gaps  # dropped, never waited for

    drained = bytearray()
    reader = threading.Thread(target=lambda: drained.extend(open(folder / "01-camera.webm", "rb").read()),
                              daemon=True)
    reader.start()  # the disk answers again
    async with asyncio_timeout(5):
        while not live.gaps:
            await asyncio_sleep(0.05)
    assert await recorder.stop("plenary") is live
    reader.join(5)
    timeline = Timeline.parse((folder / FILE).read_text().splitlines())
    assert timeline.gaps and timeline.gaps[0][0] == live.gaps[0][0] and timeline.gaps[0][2] > timeline.gaps[0][1]
    assert drained[:4] == b"\x1a\x45\xdf\xa3"  # a WebM (EBML) file resumed after the gap


@pytest.mark.asyncio
async def test_a_full_disk_stops_the_recording_and_tells_the_moderators(
        server: MediaServer, participants: ParticipantFactory, tmp_path: Path) -> None:
    await _presenting(server, participants)
    told: list[tuple[str, str, str]] = []
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "01-camera.webm").symlink_to("/dev/full")  # every write: ENOSPC
    recorder = service.recorder_of(server, lambda *fault: told.append(fault))
    await service.start(server, "plenary", folder)
    async with asyncio_timeout(10):
        while not told:
            await asyncio_sleep(0.05)
    assert told[0][:2] == ("plenary", "disk_full")
    assert not recorder.recording("plenary")  # stopped, and the tap is gone from forwarding
    assert all(pub.recording is None for pub in server.peer("P").publications.values())
    async with asyncio_timeout(5):  # the writer thread writes the end of the timeline
        while Timeline.parse((folder / FILE).read_text().splitlines()).ended != "disk_full":
            await asyncio_sleep(0.05)


def _write_then_die(folder: Path, ready: object) -> None:
    """In a child process: a writer fed with real VP8 frames for ~3 s, then SIGKILL."""
    import fractions
    import queue

    import numpy as np

    from signaling.media.recording.writer import Writer

    inbox: queue.Queue[object] = queue.Queue()
    Writer(inbox, lambda *fault: None)
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 160, 96, "yuv420p"
    encoder.time_base = fractions.Fraction(1, 90000)
    inbox.put(("begin", "plenary", folder, "now"))
    inbox.put(("publication", "plenary", "P/0", "P", "video", "camera", 0.0))
    for i in range(60):  # 2 s at 30 fps
        picture = av.VideoFrame.from_ndarray(np.full((96, 160, 3), i * 2 % 255, dtype=np.uint8), format="rgb24")
        picture = picture.reformat(format="yuv420p")
        picture.pts, picture.time_base = i * 3000, encoder.time_base
        for packet in encoder.encode(picture):
            inbox.put(("frame", "plenary", "P/0", bytes(packet), i * 3000, packet.is_keyframe, 90000, i / 30))
        time.sleep(1 / 30)
    time.sleep(0.3)
    os.kill(os.getpid(), signal.SIGKILL)  # no close, no trailer: a crash


def test_a_crashed_writer_leaves_files_readable_up_to_the_crash(tmp_path: Path) -> None:
    process = multiprocessing.get_context("spawn").Process(target=_write_then_die, args=(tmp_path, None))
    process.start()
    process.join(30)
    assert process.exitcode == -signal.SIGKILL
    with av.open(str(tmp_path / "01-camera.webm")) as played:
        frames = [f.time for f in played.decode(video=0)]
    assert frames and frames[-1] >= 2.0 - 1.3  # at most ~a cluster (1 s) lost
    timeline = Timeline.parse((tmp_path / FILE).read_text().splitlines())
    assert timeline.ended is None and "P/0" in timeline.tracks  # the timeline too, up to the crash


def asyncio_timeout(seconds: float):  # noqa: ANN201 — small aliases keep the tests readable
    import asyncio

    return asyncio.timeout(seconds)


async def asyncio_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
