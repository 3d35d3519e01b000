"""One plenary over two media workers (signaling/media/cascade.py).

The relay's wire format and reassembly directly (any frame sizes, any lost piece: a frame
comes out whole or is reported lost, never corrupt); then the real thing: two
``manage.py media_worker`` processes, a web worker, aiortc people over the websocket. The
presenter lands on the plenary's home worker, the viewers spread over both; each decodes the
presenter's camera (the viewer on the other worker through the relay). Killing the other
worker (SIGKILL: no goodbye) moves its viewer to the survivor within seconds, where it decodes
again, while the survivor's own viewer never stopped.
"""
from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import av
import pytest
from hypothesis import given
from hypothesis import strategies as st

from signaling.media import cascade_wire as wire
from signaling.media.captioning import CaptionService
from signaling.media.captioning.engines import EngineSpec, Heard
from signaling.media.cascade import Cascade, _read_crossings
from signaling.media.hub import MediaHub
from signaling.media.placement import Placement
from signaling.media.recording.service import start as recording_start
from signaling.media.server import MediaServer
from signaling.media.spaces import PLENARY
from tests.live import LiveDatabase
from tests.services import TEST_REDIS_URL
from tests.signaling.media.synthetic import (
    DirectTransport,
    PatternVideoTrack,
    SyntheticParticipant,
    ToneAudioTrack,
    cap_layer_bitrates,
)

from .conftest import MakePerson, MediaSite
from .test_workers import MediaWorkerProcess, restart, sites_with_workers

TAG = 83
ROOM = "convene.1.room-1"


# ---- the wire (pure) ---------------------------------------------------------------------------

def _pieces(seq: int, data: bytes, keyframe: bool = False) -> list[wire.Piece]:
    return [wire.parse_piece(d) for d in wire.frame_datagrams(b"7:ab/1", seq, data, 90_000 + seq, keyframe, 40, 90_000)]


@given(st.lists(st.binary(max_size=5000), min_size=1, max_size=8))
def test_frames_cross_whole_and_in_order(frames: list[bytes]) -> None:
    assembly = wire.Assembly()
    out = []
    for seq, data in enumerate(frames):
        for piece in _pieces(seq, data, keyframe=seq == 0):
            frame, lost = assembly.feed(piece)
            assert not lost
            if frame is not None:
                out.append(frame)
    assert out == frames
    first = _pieces(0, frames[0], keyframe=True)[0]
    assert (first.pub_id, first.keyframe, first.level, first.timestamp) == ("7:ab/1", True, 40, 90_000)


@given(st.lists(st.binary(min_size=1, max_size=4000), min_size=3, max_size=8), st.data())
def test_a_lost_piece_loses_its_frame_and_says_so(frames: list[bytes], data: st.DataObject) -> None:
    # Not the last (the next frame reveals the loss), nor the first (before it nothing was expected).
    victim = data.draw(st.integers(1, len(frames) - 2))
    datagrams = [(seq, p) for seq, frame in enumerate(frames) for p in _pieces(seq, frame)]
    pieces = [p for seq, p in datagrams if seq == victim]
    dropped = data.draw(st.sampled_from(pieces))
    assembly, out, losses = wire.Assembly(), [], 0
    for _, piece in datagrams:
        if piece is dropped:
            continue
        frame, lost = assembly.feed(piece)
        losses += lost
        if frame is not None:
            out.append(frame)
    assert losses == 1 and out == [f for seq, f in enumerate(frames) if seq != victim]


@pytest.mark.parametrize("junk", [b"", b"F", b"Fxxxxxxxxxxxxxxxxxxxxxxxxxxxx", b"L{", b'L{"worker": 1, "pubs": []}',
                                  b"L" + b" " * 70_000, b"P", b"P\xff\xfe"])
def test_junk_datagrams_are_refused_cleanly(junk: bytes) -> None:
    parse = {b"F": wire.parse_piece, b"L": wire.parse_lease, b"P": wire.parse_pli}.get(junk[:1], wire.parse_piece)
    with pytest.raises(wire.BadDatagram):
        parse(junk)


@pytest.mark.parametrize("raw", ["{", "[]", "null", '{"listen": []}', '{"listen": [], "speakers": [{"id": "1:a"}]}',
                                 '{"listen": 3, "speakers": []}'])
def test_unreadable_crossings_are_refused(raw: str) -> None:
    """Another worker's crossings that do not parse are refused (the sync skips that worker)."""
    with pytest.raises((ValueError, TypeError, KeyError)):
        _read_crossings(raw, "media-b")


def test_crossings_read_as_written() -> None:
    raw = ('{"listen": ["room-2"], "speakers": [{"id": "7:ab", "role": "moderator", '
           '"pubs": [["7:ab/1", "audio", "microphone", "1"]], "to": ["room-1", "room-3"]}]}')
    listen, speakers = _read_crossings(raw, "media-b")
    assert listen == {"room-2"}
    assert speakers == {"7:ab": ({"id": "7:ab", "role": "moderator", "pubs": [["7:ab/1", "audio", "microphone", "1"]]},
                                 "media-b", ["room-1", "room-3"])}


def test_leases_and_keyframe_requests_round_trip() -> None:
    assert wire.parse_lease(wire.lease_datagram("media-b", ["2:x/0", "1:y/1"])) == ("media-b", frozenset({"1:y/1", "2:x/0"}))
    assert wire.parse_pli(wire.pli_datagram("1:y/1")) == "1:y/1"


# ---- two workers' relays in one process -------------------------------------------------------

@contextlib.asynccontextmanager
async def two_workers(captions_on_a: CaptionService | None = None,
                      ) -> AsyncIterator[tuple[list[tuple[MediaHub, Cascade]], list[SyntheticParticipant]]]:
    """Media hubs ``a`` and ``b``, each with its cascade and heartbeat (as ``relay.MediaWorker``
    runs them), sharing a fresh Redis prefix; the people the test adds are closed after it.
    ``captions_on_a``: worker a captions (the plenary's home worker, as in production)."""
    prefix = f"convene-cascade-unit-{secrets.token_hex(4)}"
    ends: list[tuple[MediaHub, Cascade, Placement]] = []
    people: list[SyntheticParticipant] = []

    async def beat() -> None:  # what MediaWorker's heartbeat does
        while True:
            for hub, cascade, placement in ends:
                await placement.beat(cascade.name, hub.stats(), relay=cascade.address)
            await asyncio.sleep(1.0)

    beating = None
    try:
        for name in ("a", "b"):
            hub = MediaHub(MediaServer(host_addresses=["127.0.0.1"], captions=captions_on_a if name == "a" else None))
            placement = Placement(TEST_REDIS_URL, prefix)
            cascade = Cascade(name, hub, placement, "127.0.0.1")
            await cascade.start()
            ends.append((hub, cascade, placement))
        beating = asyncio.create_task(beat())
        yield [(hub, cascade) for hub, cascade, _ in ends], people
    finally:
        if beating is not None:
            beating.cancel()
        for participant in people:
            await participant.close(leave=False)
        for hub, cascade, placement in ends:
            await cascade.close()
            await hub.close()
            await placement.retire(cascade.name)
            await placement.close()


async def _until(condition: Callable[[], bool], timeout: float = 15) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.1)


@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_a_speaker_on_one_worker_is_an_active_speaker_on_the_other() -> None:
    """Active speakers are derived on every worker from the relayed levels: a speaker connected to
    worker a is ranked by worker b, whose viewer receives their microphone."""
    async with two_workers() as (((a, _), (b, relay_b)), people):
        speaker = SyntheticParticipant("7:speaker", DirectTransport(a.server), decode=False)
        speaker.publish("microphone", ToneAudioTrack(500.0))
        viewer = SyntheticParticipant("8:viewer", DirectTransport(b.server), decode=False)
        people += [speaker, viewer]
        await speaker.join(PLENARY)
        await viewer.join(PLENARY)
        await _until(lambda: "7:speaker" in b.server.space_voices(PLENARY)[1]
                     and bool(viewer.mids_of("7:speaker", "microphone")))
        assert relay_b.stats()["lost_frames"] == 0


@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.timeout(90)
async def test_the_control_tower_reaches_a_room_on_the_other_worker() -> None:
    """A moderator in the plenary on worker b listens in to a room that worker a hosts (its
    microphones are relayed to b; the moderator is no member of the room), then speaks to it: the
    room's people on a hear the moderator, and a plenary viewer on a (where the moderator is a
    remote member of the plenary) does not. Stopping ends both."""
    async with two_workers() as (((a, _), (b, _)), people):
        talker = SyntheticParticipant("21:talker", DirectTransport(a.server), decode=False)
        talker.publish("microphone", ToneAudioTrack(440.0))
        member = SyntheticParticipant("22:member", DirectTransport(a.server), decode=False)
        viewer = SyntheticParticipant("23:viewer", DirectTransport(a.server), decode=False)
        moderator = SyntheticParticipant("24:moderator", DirectTransport(b.server), decode=False)
        moderator.publish("microphone", ToneAudioTrack(660.0))
        people += [talker, member, viewer, moderator]
        for person, space in ((talker, ROOM), (member, ROOM), (viewer, PLENARY)):
            await person.join(space)
        await moderator.join(PLENARY, role="moderator")
        await _until(lambda: bool(viewer.mids_of("24:moderator", "microphone")))  # plenary as usual

        b.listen("24:moderator", ROOM)
        await _until(lambda: bool(moderator.mids_of("21:talker", "microphone")))
        assert not talker.mids_of("24:moderator", "microphone") and not member.mids_of("24:moderator", "microphone")
        b.listen("24:moderator", None)
        await _until(lambda: not moderator.mids_of("21:talker", "microphone"))

        b.speak("24:moderator", frozenset({ROOM}))
        await _until(lambda: bool(member.mids_of("24:moderator", "microphone"))
                     and bool(talker.mids_of("24:moderator", "microphone")))
        await _until(lambda: not viewer.mids_of("24:moderator", "microphone"))  # withheld from the plenary
        before = member.encoded_frames.get(member.mids_of("24:moderator", "microphone")[0], 0)
        await asyncio.sleep(1.0)
        assert member.encoded_frames.get(member.mids_of("24:moderator", "microphone")[0], 0) > before + 20
        b.speak("24:moderator", None)
        await _until(lambda: not member.mids_of("24:moderator", "microphone"))
        await _until(lambda: bool(viewer.mids_of("24:moderator", "microphone")))  # back in the plenary


@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.timeout(90)
async def test_a_viewer_on_the_other_worker_gets_the_layer_its_tile_needs() -> None:
    """A presenter's camera in three layers on worker a; a viewer on worker b. Its tile sized as a
    thumbnail, it decodes the lowest layer (relayed as a layer of its own, alone); grown, it climbs
    to the middle one, without a corrupt frame (each switch waits for the layer's keyframe, asked
    across the relay)."""
    undo = cap_layer_bitrates()  # each layer at a browser's bitrate for its size
    try:
        async with two_workers() as (((a, relay_a), (b, _)), people):
            presenter = SyntheticParticipant("31:presenter", DirectTransport(a.server), decode=False)
            presenter.publish_layers(TAG)  # 160x90, 320x180, 640x360
            viewer = SyntheticParticipant("32:viewer", DirectTransport(b.server))
            people += [presenter, viewer]
            await presenter.join(PLENARY, role="presenter")
            await viewer.join(PLENARY)
            for hub in (a, b):  # what each hub derives from the presenter's role (hub._restage)
                await hub.server.set_stage(PLENARY, ["31:presenter"])

            def height() -> int:
                seen = viewer.video.get(TAG)
                return 0 if seen is None else seen.height

            await _until(lambda: bool(viewer.mids_of("31:presenter", "camera")))
            camera = viewer.mids_of("31:presenter", "camera")[0]
            b.server.set_sizes("32:viewer", {camera: 90})  # a thumbnail
            await _until(lambda: height() == 90, timeout=30)
            low, middle = (f"31:presenter/{presenter.layer_mid(rank)}" for rank in (0, 1))
            await _until(lambda: relay_a.relayed_out() == {low})  # only the layer it decodes crosses
            b.server.set_sizes("32:viewer", {camera: 180})  # larger: climbs as its link allows
            climbing = time.monotonic()
            await _until(lambda: height() == 180, timeout=30)
            print(f"\nacross the relay: 90p -> 180p in {time.monotonic() - climbing:.1f} s")
            assert middle in relay_a.relayed_out() and viewer.unreadable == 0
    finally:
        undo()


@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_the_home_worker_records_a_speaker_connected_to_the_other(tmp_path: Path) -> None:
    """The plenary is recorded by the worker that hosts it (a); someone connected to worker b
    speaks with their camera on: their microphone and camera are in the recording (relayed in),
    not only the people connected to a."""
    async with two_workers() as (((a, _), (b, _)), people):
        here = SyntheticParticipant("41:here", DirectTransport(a.server), decode=False)
        speaker = SyntheticParticipant("42:speaker", DirectTransport(b.server), decode=False)
        speaker.publish("camera", PatternVideoTrack(TAG + 1))
        speaker.publish("microphone", ToneAudioTrack(500.0))
        people += [here, speaker]
        await here.join(PLENARY)
        await speaker.join(PLENARY)
        await _until(lambda: "42:speaker" in a.server.space_voices(PLENARY)[0])  # a member on a, relayed
        await recording_start(a.server, PLENARY, tmp_path)
        await asyncio.sleep(3.0)
        live = await a.server.recording.stop(PLENARY)  # type: ignore[union-attr]
        assert live is not None and live.dropped == 0
    files = {path.name.split("-", 1)[1]: path for path in tmp_path.glob("*.webm")}
    assert {"camera.webm", "microphone.webm"} <= files.keys(), sorted(tmp_path.iterdir())
    with av.open(str(files["microphone.webm"])) as microphone:
        assert sum(1 for _ in microphone.demux(audio=0)) > 50  # ~1 s of 20 ms packets at least
    with av.open(str(files["camera.webm"])) as camera:
        assert sum(1 for _ in camera.demux(video=0)) > 10


class HearingEngine:
    """A caption engine for the worker process: "hello" for every 25th chunk of audio it is
    given (about every half second of a voice), whoever speaks."""

    name = "hearing"

    def __init__(self) -> None:
        self.chunks = 0

    def accept(self, pcm: bytes, heard_at: float) -> list[Heard]:
        self.chunks += 1
        return [Heard("hello", heard_at)] if self.chunks % 25 == 0 else []

    def partial(self) -> str:
        return ""


@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_the_home_worker_captions_a_speaker_connected_to_the_other() -> None:
    """The plenary is captioned on its home worker (a); a speaker connected to worker b is an
    active speaker there (levels relayed with their microphone) and their voice is transcribed:
    lines attributed to them come out of worker a."""
    lines: list[tuple[str, str, str]] = []
    captions = CaptionService(lambda space, speaker, text, final: lines.append((space, speaker, text)),
                              engine=EngineSpec(f"{__name__}:HearingEngine"))
    async with two_workers(captions_on_a=captions) as (((a, _), (b, _)), people):
        here = SyntheticParticipant("51:here", DirectTransport(a.server), decode=False)
        speaker = SyntheticParticipant("52:speaker", DirectTransport(b.server), decode=False)
        speaker.publish("microphone", ToneAudioTrack(500.0))
        people += [here, speaker]
        await here.join(PLENARY)
        await speaker.join(PLENARY)
        await _until(lambda: (PLENARY, "52:speaker", "hello") in lines, timeout=30)


# ---- two workers, one plenary (real processes) ----------------------------------------------

@pytest.fixture(scope="module")
def cascade_site(live_template: LiveDatabase) -> Iterator[tuple[MediaSite, list[MediaWorkerProcess]]]:
    env = {"REDIS_URL": TEST_REDIS_URL, "CHANNEL_PREFIX": f"convene-cascade-{secrets.token_hex(4)}",
           "MEDIA_WORKERS": "true", "MEDIA_RELAY_HOST": "127.0.0.1"}
    yield from sites_with_workers(live_template, env)


async def stats(worker: MediaWorkerProcess) -> dict[str, Any]:
    """The worker's counters in its latest heartbeat (read from Redis)."""
    placement = Placement(TEST_REDIS_URL, worker.env["CHANNEL_PREFIX"])
    try:
        beat = await placement.heartbeat(worker.name)
    finally:
        await placement.close()
    assert beat is not None
    return dict(beat["stats"])


async def until(worker: MediaWorkerProcess, condition: Callable[[dict[str, Any]], bool], timeout: float = 6) -> None:
    async with asyncio.timeout(timeout):  # heartbeats come every second
        while not condition(await stats(worker)):
            await asyncio.sleep(0.2)


def plenary_peers(counters: dict[str, Any]) -> int:
    return sum(n for key, n in counters["space_peers"].items() if key.endswith("plenary"))


@pytest.mark.live
@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.timeout(150)  # the site's setup included; the test itself takes ~15 s
async def test_a_plenary_over_two_workers_survives_losing_one(cascade_site, people: MakePerson) -> None:  # noqa: ANN001
    site, workers = cascade_site
    presenter = await people("presenter", site=site)
    near, far = await people(site=site), await people(site=site)
    presenter.media.publish("camera", PatternVideoTrack(TAG))
    presenter.media.publish("microphone", ToneAudioTrack(330.0))
    await presenter.media.join("plenary")  # the plenary's home: media-a (the stage is placed there)
    await far.media.join("plenary")  # the fewest plenary connections: media-b
    await near.media.join("plenary")  # a tie: the home worker
    await until(workers[1], lambda c: plenary_peers(c) == 1)  # the far viewer

    # Both decode the presenter: the far viewer through the relay.
    for viewer in (near, far):
        await viewer.media.wait_video(TAG, timeout=15)
    assert far.media.mids_of(presenter.tag, "microphone"), "the presenter's microphone crossed too"
    await until(workers[0], lambda c: c["cascade"]["relayed_out"] == 2)  # camera and microphone, once each

    # media-b dies without a word: its viewer is told to reconnect, lands on media-a, decodes again.
    killed = time.monotonic()
    assert workers[1].process is not None
    workers[1].process.kill()
    await far.ws.expect("media.reconnect", lambda m: m["reason"] == "worker_lost", timeout=10)
    told = time.monotonic() - killed
    fresh = await restart(far)
    decoded = await fresh.wait_video(TAG, timeout=10, since=killed) - killed
    print(f"\nworker killed -> media.reconnect {told * 1000:.0f} ms, -> first decoded frame {decoded * 1000:.0f} ms")
    assert told < 5.0
    await near.media.wait_video(TAG, timeout=5, since=time.monotonic())  # the survivor's viewer never stopped
    # The relay healed: nothing goes to the dead worker any more, nobody there is a member here.
    await until(workers[0], lambda c: c["cascade"]["relayed_out"] == 0 and c["cascade"]["remote_publishers"] == 0)
