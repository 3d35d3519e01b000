"""Media in worker processes (MEDIA_WORKERS=true, REDIS_URL): two ``manage.py media_worker``
processes and a web worker relaying signaling to them over the Redis channel layer.

Spaces are placed on the least-loaded live worker: the plenary (first) on media-a, the first
room on media-b, the second room on media-a. A move between spaces of one worker renegotiates
the same connection; a move to a space on the other worker makes the client reconnect its
media (``media.reconnect``), which the web worker routes to the new worker. A worker that
stops releases its spaces: clients that start over land on the other one.
"""
from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import live
from tests.live import ROOT, LiveDatabase, join_tokens, manage
from tests.live_clients import password_rows
from tests.media.synthetic import PatternVideoTrack, SyntheticParticipant
from tests.services import TEST_REDIS_URL

from .conftest import BREAKOUT_SESSION, MakePerson, MediaSite, Person, close_rooms, move, open_rooms, serving
from .wsmedia import WsTransport

pytestmark = [pytest.mark.live, pytest.mark.redis, pytest.mark.asyncio, pytest.mark.timeout(150)]
WORKERS = ("media-a", "media-b")
TAG_A, TAG_E = 71, 75


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
    env = {"REDIS_URL": TEST_REDIS_URL, "CHANNEL_PREFIX": f"convene-media-{secrets.token_hex(4)}",
           "MEDIA_WORKERS": "true"}
    for database in live.live_db_fixture(live_template):
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
