"""Media in worker processes (MEDIA_WORKERS=true, REDIS_URL): two ``manage.py media_worker``
processes and a web worker relaying signaling to them over the Redis channel layer.

Spaces are placed on the least-loaded live worker: the plenary (first) on media-a, the first
room on media-b, the second room on media-a. A move between spaces of one worker renegotiates
the same connection; a move to a space on the other worker makes the client reconnect its
media (``media.reconnect``), which the web worker routes to the new worker. A worker that
stops releases its spaces: clients that start over land on the other one.

Recording and the control tower through workers (first, while the placement is fresh): the
worker that hosts the plenary writes its recording into the folder the web side renders from
(here: one temporary folder of this machine); a moderator in the plenary listens in to a room
of the same worker and hears it, one on the other worker through the relay (and speaks to both), the
rooms' activity comes from both workers, and a room's recording whose disk fills up (/dev/full)
is stopped by its worker, which tells the moderators.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from tests import live
from tests.live import ROOT, LiveDatabase, join_tokens, manage
from tests.live_clients import password_rows
from tests.rooms.tower.test_tower_media import hears
from tests.services import TEST_REDIS_URL
from tests.signaling.media.synthetic import PatternVideoTrack, SyntheticParticipant, ToneAudioTrack

from .conftest import BREAKOUT_SESSION, MakePerson, MediaSite, Person, close_rooms, move, open_rooms, serving
from .wsmedia import WsTransport

pytestmark = [pytest.mark.live, pytest.mark.redis, pytest.mark.asyncio, pytest.mark.timeout(150)]
WORKERS = ("media-a", "media-b")
TAG_A, TAG_E = 71, 75
ROOM_TONE, OTHER_TONE, MODERATOR_TONE = 440.0, 550.0, 660.0
# The recording's rows and render, in the live database (the render is the worker tick's job).
RECORDING_ROW = ("import json; from recordings.models import Recording; from recordings.storage import recording_storage; "
                 "r = Recording.objects.get(space='plenary'); print(json.dumps([r.state, r.folder, r.gaps, "
                 "r.dropped_frames, r.error, recording_storage().path(r.file) if r.file else '']))")
ALLOW_ROOMS = ("from convenings.models import Convening; from recordings import actions; "
               f"actions.set_rooms_allowed(Convening.objects.get(slug='{live.DEMO_SLUG}').pk, True); print('[]')")
ROOM_FOLDER = ("import json; from recordings.models import Recording; "
               "print(json.dumps([Recording.objects.get(space=%r, state='recording').folder]))")
# The render (unless the web worker's own tick claimed it first).
RENDER = ("import json; from django.conf import settings; settings.RECORDING_RENDER_SIZE = (320, 192); "
          "from recordings import jobs; jobs.render_next(); print('[]')")


class MediaWorkerProcess:
    def __init__(self, db_url: str, name: str, env: dict[str, str]) -> None:
        self.name, self.env = name, live._env(db_url, env)
        self.log = Path(tempfile.mkstemp(prefix=f"convene-{name}-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "manage.py", "media_worker", "--name", self.name],
                                            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def check(self, name: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "manage.py", "media_worker", "--check", "--name", name or self.name],
                              cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        print(f"---- {self.name} log ----\n{self.log.read_text(errors='replace')[-5000:]}")


@pytest.fixture(scope="module")
def worker_site(live_template: LiveDatabase) -> Iterator[tuple[MediaSite, list[MediaWorkerProcess]]]:
    # The web workers render what the media workers record: one folder both see (compose: a volume).
    spool = tempfile.mkdtemp(prefix="convene-recordings-")
    env = {"REDIS_URL": TEST_REDIS_URL, "CHANNEL_PREFIX": f"convene-media-{secrets.token_hex(4)}",
           "MEDIA_WORKERS": "true", "RECORDING_SPOOL_DIR": f"{spool}/raw",
           "RECORDING_STORAGE_URL": f"file://{spool}/store"}
    yield from sites_with_workers(live_template, env)


def sites_with_workers(template: LiveDatabase, env: dict[str, str]
                       ) -> Iterator[tuple[MediaSite, list[MediaWorkerProcess]]]:
    """A daphne and the media workers ``WORKERS`` on a fresh live database, ready (for a fixture)."""
    for database in live.live_db_fixture(template):
        rows = join_tokens(database.url, limit=1000) + password_rows(database.url)  # moderators: no link
        session_id = int(manage(database.url, "shell", "-v0", "-c", BREAKOUT_SESSION).split()[-1])
        workers = [MediaWorkerProcess(database.url, name, env) for name in WORKERS]
        try:
            for worker in workers:
                worker.start()
            with serving(database.url, env) as server:
                deadline = time.monotonic() + 30
                while any(w.check().returncode for w in workers):
                    assert time.monotonic() < deadline, "media workers did not start"
                    time.sleep(0.5)
                yield MediaSite(server, database.url, rows, session_id), workers
        finally:
            for worker in workers:
                worker.stop()


def manage_with(site: MediaSite, env: dict[str, str], code: str) -> list:  # type: ignore[type-arg]
    result = subprocess.run([sys.executable, "manage.py", "shell", "-v0", "-c", code], cwd=ROOT,
                            env=live._env(site.db_url, env), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


async def test_a_worker_records_the_plenary_and_the_web_side_renders_it(worker_site, people: MakePerson) -> None:  # noqa: ANN001
    site, workers = worker_site
    moderator, presenter = await people("moderator", site=site), await people("presenter", site=site)
    presenter.media.publish("camera", PatternVideoTrack(TAG_A + 5))
    presenter.media.publish("microphone", ToneAudioTrack(330.0))
    await presenter.media.join("plenary")  # places the plenary on media-a
    started = await moderator.ws.request("recording.start")
    assert started["type"] == "ack", started
    await asyncio.sleep(3.0)
    stopped = await moderator.ws.request("recording.stop", timeout=20)
    assert stopped["type"] == "ack", stopped

    state, folder, gaps, dropped, _, _ = await asyncio.to_thread(manage_with, site, workers[0].env, RECORDING_ROW)
    assert state in ("stopped", "rendering") and (gaps, dropped) == ([], 0)
    written = sorted(Path(folder).glob("*.webm"))  # written by media-a, read here
    assert {p.name.split("-", 1)[1] for p in written} >= {"camera.webm", "microphone.webm"}, written
    with av.open(str(next(p for p in written if p.name.endswith("camera.webm")))) as camera:
        assert sum(1 for _ in camera.demux(video=0)) > 20  # ~3 s of the presenter's camera

    await asyncio.to_thread(manage_with, site, workers[0].env, RENDER)
    async with asyncio.timeout(60):
        while state in ("stopped", "rendering"):
            state, *_, error, path = await asyncio.to_thread(manage_with, site, workers[0].env, RECORDING_ROW)
    assert (state, error) == ("ready", ""), error
    with av.open(path) as played:
        assert 2.0 < played.duration / 1_000_000 < 6.0
        assert sum(1 for _ in played.decode(video=0)) > 20


async def test_the_control_tower_reaches_rooms_on_both_workers(worker_site, people: MakePerson) -> None:  # noqa: ANN001
    site, _ = worker_site
    moderator = await people("moderator", site=site)
    other, speaker, neighbour = [await people(site=site) for _ in range(3)]
    rooms = await open_rooms(moderator.ws, site.session_id)
    try:
        moderator.media.publish("microphone", ToneAudioTrack(MODERATOR_TONE))
        await moderator.media.join("plenary")  # the plenary is on media-a (the test above)
        await move(moderator.ws, other, rooms[0])
        other.media.publish("microphone", ToneAudioTrack(OTHER_TONE))
        await other.media.join(rooms[0])  # room 1 is placed on media-b (the fewest spaces)
        for person in (speaker, neighbour):
            await move(moderator.ws, person, rooms[1])
        speaker.media.publish("microphone", ToneAudioTrack(ROOM_TONE))
        for person in (speaker, neighbour):
            await person.media.join(rooms[1])  # room 2 on media-a, with the plenary
        await hears(neighbour, speaker, ROOM_TONE)

        reply = await moderator.ws.request("tower.listen", room=rooms[1])
        assert reply["type"] == "ack", reply
        await neighbour.ws.expect("tower.listening", lambda m: m["listening"], timeout=10)
        await hears(moderator, speaker, ROOM_TONE)
        assert not speaker.media.mids_of(moderator.tag, "microphone")

        # Room 1 is on media-b: its microphones cross the relay to the moderator's worker.
        reply = await moderator.ws.request("tower.listen", room=rooms[0])
        assert reply["type"] == "ack", reply
        await hears(moderator, other, OTHER_TONE)
        assert not other.media.mids_of(moderator.tag, "microphone")  # a listener is no member there
        await moderator.ws.request("tower.stop_listening")

        # Speaking to every room: both workers' rooms hear the moderator (media-b's through the relay).
        assert (await moderator.ws.request("tower.speak", rooms="all"))["type"] == "ack"
        for person in (other, speaker):
            await hears(person, moderator, MODERATOR_TONE)
        assert (await moderator.ws.request("tower.stop_speaking"))["type"] == "ack"
        async with asyncio.timeout(10):
            while other.media.mids_of(moderator.tag, "microphone"):
                await asyncio.sleep(0.05)

        # The activity feed asks both workers: each room's speaker is heard.
        feed = await moderator.ws.request("tower.watch")
        speaking = {line["room"]: line["speaking"] for line in feed["rooms"]}
        while not (other.pid in speaking.get(rooms[0], ()) and speaker.pid in speaking.get(rooms[1], ())):
            update = await moderator.ws.expect("tower.activity", timeout=10)
            speaking.update({line["room"]: line["speaking"] for line in update["rooms"]})

        # Room 2 recorded by media-a, whose disk fills up: the worker itself tells the moderators.
        await asyncio.to_thread(manage_with, site, {}, ALLOW_ROOMS)
        assert (await moderator.ws.request("recording.start", space=rooms[1]))["type"] == "ack"
        folder = Path((await asyncio.to_thread(manage_with, site, {}, ROOM_FOLDER % rooms[1]))[0])
        folder.mkdir(parents=True, exist_ok=True)  # the writer makes it too, maybe not yet
        (folder / "02-camera.webm").symlink_to("/dev/full")  # after the speaker's 01-microphone
        neighbour.media.publish("camera", PatternVideoTrack(TAG_E + 3))
        await neighbour.media.renegotiate()
        notice = await moderator.ws.expect("recording.notice", timeout=15)
        assert (notice["space"], notice["reason"]) == (rooms[1], "disk_full") and "disk is full" in notice["message"]
        stopped = await neighbour.ws.expect("recording.state", lambda m: not m["recording"], timeout=10)
        assert stopped["space"] == rooms[1]
    finally:
        await close_rooms(moderator.ws)


async def reconnect(person: Person) -> SyntheticParticipant:
    """What a browser does on media.reconnect: a new RTCPeerConnection, an initial offer."""
    await person.ws.expect("media.reconnect", timeout=10)
    return await restart(person)


async def restart(person: Person) -> SyntheticParticipant:
    tracks = dict(person.media.tracks)
    await person.media.close(leave=False)
    person.media = SyntheticParticipant(person.tag, WsTransport(person.ws))
    for label, track in tracks.items():
        person.media.publish(label, PatternVideoTrack(track.tag) if isinstance(track, PatternVideoTrack) else track)
    await person.media.join("the connection's space")
    return person.media


async def test_spaces_live_on_workers_and_moves_cross_them(worker_site, people: MakePerson) -> None:  # noqa: ANN001
    site, workers = worker_site
    health = workers[0].check()
    assert health.returncode == 0 and '"stats"' in health.stdout
    assert workers[0].check("media-nobody").returncode != 0
    moderator = await people("moderator", site=site)
    a, b, c, e = [await people(site=site) for _ in range(4)]
    rooms = await open_rooms(moderator.ws, site.session_id)
    c.media.publish("camera", PatternVideoTrack(TAG_A + 2))
    await c.media.join("plenary")  # places the plenary on media-a
    for person in (a, b):
        await move(moderator.ws, person, rooms[0])
    a.media.publish("camera", PatternVideoTrack(TAG_A))
    await a.media.join(rooms[0])  # places room 1 on media-b
    await b.media.join(rooms[0])
    await b.media.wait_video(TAG_A, timeout=10)
    e.media.publish("camera", PatternVideoTrack(TAG_E))
    await move(moderator.ws, e, rooms[1])
    await e.media.join(rooms[1])  # places room 2 on media-a
    servers = (await moderator.ws.request("media.diagnose"))["servers"]
    assert set(servers) == set(WORKERS)

    # Plenary -> room 1 crosses to media-b: the client reconnects and sees room 1.
    moved = time.monotonic()
    await moderator.ws.send("breakout.move", participant_id=c.pid, room=rooms[0])
    fresh = await reconnect(c)
    first_frame = await fresh.wait_video(TAG_A, timeout=10, since=moved) - moved
    print(f"\ncross-worker move -> first decoded frame: {first_frame * 1000:.0f} ms")
    assert first_frame < 5.0
    await b.media.wait_video(TAG_A + 2, timeout=10, since=moved)  # and room 1 sees C

    # Room 2 -> plenary stays on media-a: the same connection, renegotiated.
    pc_before = e.media.pc
    await moderator.ws.send("breakout.recall", participant_id=e.pid)
    await e.ws.expect("space.entered", lambda m: m["space"] == "plenary", timeout=10)
    await asyncio.sleep(1.0)
    assert not [m for m in e.ws.seen if m["type"] == "media.reconnect"]
    assert e.media.pc is pc_before and e.media.pc.connectionState == "connected"

    # media-b stops: it closes its connections and releases room 1; the clients start over
    # (as browsers do when their connection closes) and room 1 is placed on media-a.
    workers[1].stop()
    async with asyncio.timeout(10):
        while a.media.pc.connectionState == "connected":
            await asyncio.sleep(0.05)
    await restart(a)
    await (await restart(b)).wait_video(TAG_A, timeout=10)
    async with asyncio.timeout(10):
        while set((await moderator.ws.request("media.diagnose"))["servers"]) != {"media-a"}:
            await asyncio.sleep(0.5)
    await close_rooms(moderator.ws)
