"""Video and audio in real browsers, through the media server: people in the plenary see
and hear each other, a presenter's shared screen is on everyone's stage, and in breakout
rooms each person gets their room's video only — until a moderator moves them.

These pages run in a Chromium of their own: the same fake camera, but a fake microphone
that plays a continuous tone (``--use-file-for-fake-audio-capture``), because the plenary
forwards the most recent *active speakers* and Chromium's default fake microphone only
beeps for 20 ms twice a second (never "speaking"); and a fake screen to share
(``--auto-select-desktop-capture-source``).
"""
from __future__ import annotations

import math
import struct
import uuid
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, LiveSite, enter_room

pytestmark = pytest.mark.browser
MEDIA_TIMEOUT_MS = 20_000

# A <video>'s frames change: two canvas snapshots 700 ms apart differ.
FRAMES_CHANGE = """async (selector) => {
  const video = document.querySelector(selector);
  if (!video || video.readyState < 2 || !video.videoWidth) return false;
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 36;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const snap = () => { ctx.drawImage(video, 0, 0, 64, 36); return ctx.getImageData(0, 0, 64, 36).data; };
  const first = snap();
  await new Promise((r) => setTimeout(r, 700));
  const second = snap();
  let diff = 0;
  for (let i = 0; i < first.length; i += 4) diff += Math.abs(first[i] - second[i]);
  return diff > 0;
}"""
# Loudest RMS of a participant's received microphone over ~1.5 s (WebAudio).
HEARD = """async (id) => {
  const stream = convene.store.state.remoteStreams.get(id)?.microphone;
  if (!stream) return 0;
  const ctx = new AudioContext();
  await ctx.resume();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  ctx.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let loudest = 0;
  for (let i = 0; i < 15; i++) {
    await new Promise((r) => setTimeout(r, 100));
    analyser.getFloatTimeDomainData(samples);
    loudest = Math.max(loudest, Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length));
  }
  await ctx.close();
  return loudest;
}"""
HAS_CAMERA_OF = "(id) => !!convene.store.state.remoteStreams.get(id)?.camera"


def write_tone(path: Path, seconds: float = 2.0, rate: int = 48000) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * i / rate)))
                                 for i in range(int(seconds * rate))))


@pytest.fixture(scope="module")
def media_browser(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    tone = tmp_path_factory.mktemp("media") / "tone.wav"
    write_tone(tone)
    extra = [f"--use-file-for-fake-audio-capture={tone}", "--auto-select-desktop-capture-source=Entire screen"]
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra])
    yield chromium
    chromium.close()


@pytest.fixture
def media_page(media_browser: Browser, site: LiveSite) -> Iterator:
    contexts: list[BrowserContext] = []

    def make(username: str) -> Page:
        context = media_browser.new_context(viewport=DESKTOP, base_url=site.base_url)
        context.set_default_timeout(MEDIA_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and print(f"[{username} console] {m.text}"))
        page.on("pageerror", lambda e: print(f"[{username} pageerror] {e}"))
        enter_room(page, site, username)
        return page

    yield make
    for context in contexts:
        context.close()


def pid(site: LiveSite, username: str) -> int:
    return int(site.tokens[username]["participant_id"])


def sees_video_of(page: Page, site: LiveSite, username: str) -> None:
    """``username``'s camera plays in this page's grid, its frames changing."""
    page.wait_for_function(HAS_CAMERA_OF, arg=pid(site, username))
    page.wait_for_function(FRAMES_CHANGE, arg=f"#grid li[data-participant-id='{pid(site, username)}'] video")


def test_two_participants_see_and_hear_each_other_in_the_plenary(media_page, site: LiveSite) -> None:
    a, b = media_page("leader60"), media_page("leader61")
    for page, other in ((a, "leader61"), (b, "leader60")):
        sees_video_of(page, site, other)
        loudest = page.evaluate(HEARD, pid(site, other))
        assert loudest > 0.01, f"silence from {other}: {loudest}"
    expect(a.locator("#media-notice")).to_be_hidden()

    # The websocket drops: after the reconnect, media starts over and B is back.
    a.evaluate("() => convene.net.ws.close()")
    a.wait_for_function("() => convene.store.state.net !== 'open'")
    a.wait_for_function("() => convene.store.state.net === 'open'")
    sees_video_of(a, site, "leader61")


def test_the_page_works_on_when_media_cannot(new_page, site: LiveSite) -> None:
    page = new_page(init_script="delete window.RTCPeerConnection;")
    enter_room(page, site, "leader67")
    expect(page.locator("#media-notice")).to_contain_text("Media unavailable")
    text = f"Media is down here, chat is not ({uuid.uuid4().hex[:6]})"
    page.get_by_role("textbox", name="Message everyone").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#chat-log .chat-msg:not(.pending)", has_text=text)).to_be_visible()


def test_a_presenters_shared_screen_is_on_everyones_stage(media_page, site: LiveSite) -> None:
    audience = [media_page(u) for u in ("leader62", "leader63")]
    presenter = media_page("presenter2")
    presenter.get_by_role("button", name="Share screen").click()
    expect(presenter.get_by_role("button", name="Stop sharing")).to_be_visible()
    name = site.tokens["presenter2"]["name"]
    for page in audience:
        page.wait_for_function("(id) => !!convene.store.state.remoteStreams.get(id)?.screen", arg=pid(site, "presenter2"))
        stage = page.locator("#stage-video")
        expect(stage).to_be_visible()
        expect(stage).to_have_attribute("aria-label", f"{name}'s shared screen")
        page.wait_for_function("() => { const v = document.querySelector('#stage-video'); return v.readyState >= 2 && v.videoWidth > 0; }")
    presenter.get_by_role("button", name="Stop sharing").click()
    for page in audience:
        page.wait_for_function("(id) => !convene.store.state.remoteStreams.get(id)?.screen", arg=pid(site, "presenter2"))


def send(page: Page, type_: str, **fields: object) -> None:
    page.evaluate("([type, fields]) => convene.net.send(type, fields)", [type_, fields])


def test_breakout_rooms_see_their_own_video_and_a_move_switches_it(media_page, site: LiveSite) -> None:
    moderator = media_page("moderator3")
    people = {u: media_page(u) for u in ("leader64", "leader65", "leader66")}
    session = moderator.evaluate("() => JSON.parse(document.querySelector('#convene-config').textContent).breakout_sessions[0].id")
    send(moderator, "breakout.close")
    send(moderator, "breakout.plan", session_id=session, strategy="random", room_count=2, seed=3)
    send(moderator, "breakout.open", session_id=session, duration_s=600, mode="self_select")
    moderator.wait_for_function("() => (convene.store.state.breakouts?.rooms || []).some((r) => r.state === 'open')")
    rooms = moderator.evaluate("() => convene.store.state.breakouts.rooms.map((r) => r.key)")
    try:
        placing = {"leader64": rooms[0], "leader65": rooms[0], "leader66": rooms[1]}
        for username, room in placing.items():
            send(moderator, "breakout.move", participant_id=pid(site, username), room=room)
            people[username].wait_for_function("(room) => convene.store.state.space === room", arg=room)
        sees_video_of(people["leader64"], site, "leader65")
        sees_video_of(people["leader65"], site, "leader64")
        alone = people["leader66"]
        alone.wait_for_timeout(1000)
        assert not alone.evaluate("(ids) => ids.some((id) => convene.store.state.remoteStreams.has(id))",
                                  [pid(site, "leader64"), pid(site, "leader65")])

        send(moderator, "breakout.move", participant_id=pid(site, "leader66"), room=rooms[0])
        alone.wait_for_function("(room) => convene.store.state.space === room", arg=rooms[0])
        sees_video_of(alone, site, "leader64")
        sees_video_of(alone, site, "leader65")
        sees_video_of(people["leader64"], site, "leader66")
    finally:
        send(moderator, "breakout.close")
