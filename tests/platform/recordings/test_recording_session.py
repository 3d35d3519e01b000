"""A moderator records the plenary over the websocket protocol while a real aiortc presenter
shows their camera, then shares their screen, and speaks; everyone in the space is told; the
worker renders one file that PyAV plays: the right length, the camera then the screen, the
voice, and the captions as a WebVTT track. Participants cannot record; rooms only when allowed."""
from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import av
import numpy as np
import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from recordings import actions, jobs
from recordings.models import Recording, State
from recordings.storage import recording_storage
from rooms.actions import recording as announcing
from rooms.actions.captions import automatic_line
from rooms.actions.publish import space_group
from signaling.media.hub import get_hub
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import move_to_room
from tests.signaling.media.synthetic import DirectTransport, PatternVideoTrack, SyntheticParticipant, ToneAudioTrack

from .test_recorder import CAMERA, SCREEN, tags_at

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(150)]
SAID = "Welcome to the academy, everyone."


async def test_a_recorded_plenary_renders_with_notice_to_everyone(
        connect: Connect, small: SmallConvening, recordings_dir: Path) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await maria.send("recording.sync", id="s0")
    state = await maria.expect("recording.state", lambda m: m.get("ref") == "s0")
    assert state["recording"] is False

    # A presenter on the plenary's stage, in the media server this process hosts.
    key = space_group(small.convening.pk, "plenary")
    server = get_hub().server
    presenter = SyntheticParticipant(f"{small.pid('angela')}:test", DirectTransport(server), decode=False)
    presenter.publish("camera", PatternVideoTrack(CAMERA))
    presenter.publish("microphone", ToneAudioTrack(330.0))
    await server.set_stage(key, [presenter.participant_id])
    try:
        await presenter.join(key, role="presenter")
        await jordan.send("recording.start", id="r1")
        await jordan.expect("ack", lambda m: m["ref"] == "r1")
        told = await maria.expect("recording.state", lambda m: m.get("ref") is None)
        assert told["recording"] is True and told["message"] == actions.STARTED
        assert told["by"]["participant_id"] == small.pid("jordan")
        await maria.send("recording.sync", id="s1")  # as someone entering now asks
        assert (await maria.expect("recording.state", lambda m: m.get("ref") == "s1"))["recording"] is True

        await asyncio.sleep(1.0)
        await database_sync_to_async(automatic_line)(small.convening.pk, "plenary", SAID, True, small.pid("angela"))
        await asyncio.sleep(1.0)
        presenter.publish("screen", PatternVideoTrack(SCREEN, width=320, height=192))
        await presenter.renegotiate()
        await asyncio.sleep(2.5)

        await jordan.send("recording.stop", id="r2")
        await jordan.expect("ack", lambda m: m["ref"] == "r2")
        stopped = await maria.expect("recording.state", lambda m: m.get("ref") is None)
        assert stopped["recording"] is False and stopped["message"] == announcing.STOPPED
    finally:
        await presenter.close()

    recording = await database_sync_to_async(Recording.objects.get)(convening=small.convening)
    assert recording.state == State.STOPPED and recording.gaps == [] and recording.dropped_frames == 0
    length = (recording.stopped_at - recording.started_at).total_seconds()

    await database_sync_to_async(jobs.render_next, thread_sensitive=False)()  # the worker's round
    async with asyncio.timeout(60):  # (or the worker tick's own round, if it claimed it first)
        while recording.state in (State.STOPPED, State.RENDERING):
            await asyncio.sleep(0.2)
            await database_sync_to_async(recording.refresh_from_db)()
    assert (recording.state, recording.progress) == (State.READY, 1.0), recording.error
    assert not Path(recording.folder).exists()  # raw packets go once rendered
    path = Path(recording_storage().path(recording.file))
    assert path.is_relative_to(recordings_dir / "store")

    with av.open(str(path)) as played:
        assert abs(played.duration / 1_000_000 - length) < 1.0
        assert abs(recording.duration_s - length) < 1.0
        texts = [bytes(p).decode() for p in played.demux(subtitles=0) if p.size]
    assert texts == [SAID]
    with av.open(str(path)) as played:
        audio = np.concatenate([f.to_ndarray().reshape(-1) for f in played.decode(audio=0)])
    assert np.sqrt(np.mean(audio.astype(np.float64) ** 2)) > 0.05
    assert tags_at(path, [1.5, length - 1.0]) == [CAMERA, SCREEN]


async def test_participants_cannot_record_and_rooms_need_the_organizers_yes(
        connect: Connect, small: SmallConvening, recordings_dir: Path) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await maria.send("recording.start", id="x")
    assert (await maria.expect_error("forbidden"))["ref"] == "x"
    await maria.send("recording.stop", id="y")
    assert (await maria.expect_error("forbidden"))["ref"] == "y"

    room = await move_to_room(small, "james", 0)
    await jordan.send("recording.start", space=room, id="r1")
    refused = await jordan.expect_error("forbidden")
    assert refused["ref"] == "r1" and "not allowed" in refused["message"]

    await database_sync_to_async(actions.set_rooms_allowed)(small.convening.pk, True)
    await jordan.send("recording.start", space=room, id="r2")
    await jordan.expect("ack", lambda m: m["ref"] == "r2")
    key = space_group(small.convening.pk, room)
    server = get_hub().server
    assert server.recording.recording(key)

    # The disk fills up: the first file the room's camera gets is /dev/full (every write: ENOSPC).
    folder = server.recording.live(key).folder
    folder.mkdir(parents=True, exist_ok=True)  # the writer thread makes it too, maybe not yet
    (folder / "01-camera.webm").symlink_to("/dev/full")
    camera = SyntheticParticipant(f"{small.pid('james')}:test", DirectTransport(server), decode=False)
    camera.publish("camera", PatternVideoTrack(CAMERA))
    try:
        await camera.join(key)
        notice = await jordan.expect("recording.notice", timeout=15)
        assert (notice["space"], notice["reason"]) == (room, "disk_full") and "disk is full" in notice["message"]
    finally:
        await camera.close()
    recording = await database_sync_to_async(Recording.objects.get)(convening=small.convening, space=room)
    assert (recording.state, recording.stop_reason) == (State.STOPPED, "disk_full")  # rendered with what it has
    assert not server.recording.recording(key)
    await jordan.send("recording.stop", space=room, id="r3")  # stopping a stopped recording: fine
    await jordan.expect("ack", lambda m: m["ref"] == "r3")
    assert maria.take("recording.state") == [] and maria.take("recording.notice") == []  # plenary, participant


async def test_a_row_left_recording_by_a_restart_does_not_block_the_space(
        connect: Connect, small: SmallConvening, recordings_dir: Path) -> None:
    """The server restarted while recording: the row still says "recording", but this process's
    media server records nothing. Starting again ends that row as it was left and records anew."""
    left = await database_sync_to_async(Recording.objects.create)(
        convening=small.convening, space="plenary", started_at=timezone.now() - dt.timedelta(minutes=5),
        folder=str(recordings_dir / "left-by-a-restart"))
    jordan, maria = await connect("jordan"), await connect("maria")
    await jordan.send("recording.start", id="r1")
    await jordan.expect("ack", lambda m: m["ref"] == "r1")
    told = await maria.expect("recording.state", lambda m: m.get("ref") is None and m["recording"])
    assert told["by"]["participant_id"] == small.pid("jordan")
    assert get_hub().server.recording.recording(space_group(small.convening.pk, "plenary"))
    await left.arefresh_from_db()
    assert (left.state, left.stop_reason) == (State.STOPPED, "interrupted")
    assert await Recording.objects.filter(convening=small.convening, state=State.RECORDING).acount() == 1

    # A row its media server does record is not touched: a second start just says it is on.
    await jordan.send("recording.start", id="r2")
    await jordan.expect("ack", lambda m: m["ref"] == "r2")
    assert await Recording.objects.filter(convening=small.convening, state=State.RECORDING).acount() == 1
    await jordan.send("recording.stop", id="r3")
    await jordan.expect("ack", lambda m: m["ref"] == "r3")
