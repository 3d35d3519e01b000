"""Video and audio in real browsers, through the media server: people in the plenary see
and hear each other (the one speaking highlighted), media that drops comes back by itself,
a presenter's shared screen is on everyone's stage, and topic breakouts opened from the
moderator's console give each room its own video — until a moderator moves someone.

These pages run in ``media_browser`` (conftest.py): its fake microphone plays a continuous
tone, so everyone counts as an active speaker, and it has a fake screen to share.
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.frontend.conftest import DESKTOP, LiveSite, assert_accessible, enter_room, screenshot
from tests.frontend.helpers import (
    FRAMES_CHANGE,
    MEDIA_CONNECTED,
    card,
    close_rooms,
    enter_room_without_media,
    expect_in_room,
    expect_minutes_left,
    generate_plan,
    move_by_keyboard,
    move_from_overview,
    name,
    open_rooms,
    pid,
    planned_room,
    sees_no_video_of,
    sees_video_of,
    send_chat,
    tile,
)

pytestmark = pytest.mark.browser
TOPICS = {"Parent Engagement", "Professional Learning", "Technology Access and Equity", "Best Practices in Math"}

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
# Their microphone plays out loud: its <audio> element is playing, not muted, on a live track.
AUDIO_PLAYS = """(id) => {
  const el = document.querySelector(`#media-audio audio[data-participant-id="${id}"]`);
  const track = el?.srcObject?.getAudioTracks()[0];
  return !!track && !el.paused && !el.muted && el.volume > 0 && track.readyState === 'live' && !track.muted;
}"""
# The last space the media server said it serves us (media.server_offer / media.tracks).
WATCH_MEDIA_SPACE = """() => {
  for (const type of ['media.server_offer', 'media.tracks']) {
    convene.bus.on(`msg:${type}`, (msg) => { window.mediaSpace = msg.space; });
  }
}"""


# The presenter's "screen": slides drawn on a canvas (a progress bar moves, so frames change).
# Chromium's own fake capture would do for the test, but it is the same green pattern as
# the fake cameras, and the screenshot should show a shared screen as people see one.
SLIDES = """(() => {
  navigator.mediaDevices.getDisplayMedia = async () => {
    const canvas = Object.assign(document.createElement('canvas'), { width: 1280, height: 720 });
    const ctx = canvas.getContext('2d');
    let frame = 0;
    const draw = () => {
      ctx.fillStyle = '#ffffff'; ctx.fillRect(0, 0, 1280, 720);
      ctx.fillStyle = '#1e3a8a'; ctx.fillRect(0, 0, 1280, 130);
      ctx.fillStyle = '#ffffff'; ctx.font = 'bold 56px sans-serif';
      ctx.fillText('Family engagement that lasts', 64, 88);
      ctx.fillStyle = '#111827'; ctx.font = '40px sans-serif';
      ['Start from what families already do', 'Tech nights: hotspots, accounts, a help desk',
       'Each team brings its Top 5 to the share-out'].forEach((t, i) => ctx.fillText('•  ' + t, 88, 250 + i * 90));
      ctx.fillStyle = '#6b7280'; ctx.font = '28px sans-serif'; ctx.fillText('3 / 12', 1140, 680);
      ctx.fillStyle = '#1e3a8a'; ctx.fillRect(0, 704, ((frame += 1) % 120) * (1280 / 120), 16);
    };
    draw();
    setInterval(draw, 100);
    return canvas.captureStream(10);
  };
})();"""


def test_plenary_people_see_and_hear_each_other_and_the_presenters_screen(media_page, site: LiveSite) -> None:
    a, b = media_page("leader60"), media_page("leader61")
    presenter = media_page("presenter2", init_script=SLIDES)
    for page, other in ((a, "leader61"), (b, "leader60")):
        sees_video_of(page, site, other)
        loudest = page.evaluate(HEARD, pid(site, other))
        assert loudest > 0.01, f"silence from {other}: {loudest}"
        page.wait_for_function(AUDIO_PLAYS, arg=pid(site, other))
        # The tone never stops: the other person's tile is highlighted as speaking.
        expect(tile(page, site, other)).to_have_class(re.compile(r"\bspeaking\b"))
    expect(a.locator("#media-notice")).to_be_hidden()

    # The presenter shares a screen: it is on everyone's stage, large; cameras stay in the grid.
    presenter.get_by_role("button", name="Share screen").click()
    expect(presenter.get_by_role("button", name="Stop sharing")).to_be_visible()
    presenter_name = name(site, "presenter2")
    for page in (a, b):
        page.wait_for_function("(id) => !!convene.store.state.remoteStreams.get(id)?.screen", arg=pid(site, "presenter2"))
        stage = page.locator("#stage-video")
        expect(stage).to_be_visible()
        expect(stage).to_have_attribute("aria-label", f"{presenter_name}'s shared screen")
        # The stage names who shares what, for everyone to read.
        expect(page.locator("#stage-caption")).to_have_text(f"{presenter_name} is sharing their screen")
        page.wait_for_function(FRAMES_CHANGE, arg="#stage-video")
    sees_video_of(a, site, "presenter2")
    a.get_by_role("tab", name="People").click()
    expect(a.locator("#people")).to_contain_text(presenter_name)
    if a.locator("#share-out").is_visible():  # earlier tests' Top 5 lists: folded, the stage gets the room
        a.get_by_role("button", name="Hide share-out").click()
        expect(a.get_by_role("button", name="Show share-out")).to_be_visible()
    # The meeting fills the window, whatever the stage column holds (no white bands at the sides).
    assert a.evaluate("() => document.querySelector('#main').getBoundingClientRect().width") == DESKTOP["width"]
    assert_accessible(a, "plenary: a shared screen on the stage, video in the grid, someone speaking")
    screenshot(a, "plenary.png")
    presenter.get_by_role("button", name="Stop sharing").click()
    for page in (a, b):
        page.wait_for_function("(id) => !convene.store.state.remoteStreams.get(id)?.screen", arg=pid(site, "presenter2"))
        # Back to the presenter's camera on the stage.
        expect(page.locator("#stage-video")).to_have_attribute("aria-label", f"{presenter_name}, presenting")
        expect(page.locator("#stage-caption")).to_have_text(f"Presenting: {presenter_name}'s camera")

    # The media connection breaks while the websocket stays up: the notice says so, and
    # media starts over by itself — B's video is back, on the same websocket.
    a.evaluate("() => { window.socketBefore = convene.net.ws; convenePeers.at(-1).close(); }")
    expect(a.locator("#media-notice")).to_contain_text("Media unavailable")
    a.wait_for_function("() => convenePeers.length > 1")
    sees_video_of(a, site, "leader61")
    expect(a.locator("#media-notice")).to_be_hidden()
    assert a.evaluate("() => convene.net.ws === window.socketBefore"), "the websocket was not meant to drop"

    # The websocket drops: after the reconnect, media starts over and B is back.
    a.evaluate("() => convene.net.ws.close()")
    a.wait_for_function("() => convene.store.state.net !== 'open'")
    a.wait_for_function("() => convene.store.state.net === 'open'")
    sees_video_of(a, site, "leader61")


def test_the_page_works_on_when_media_cannot(new_page, site: LiveSite) -> None:
    page = new_page(init_script="delete window.RTCPeerConnection;")
    enter_room(page, site, "leader67")
    expect(page.locator("#media-notice")).to_contain_text("Media unavailable")
    assert_accessible(page, "plenary: media unavailable")
    text = f"Media is down here, chat is not ({uuid.uuid4().hex[:6]})"
    page.get_by_role("textbox", name="Message everyone").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#chat-log .chat-msg:not(.pending)", has_text=text)).to_be_visible()


def test_topic_breakouts_from_the_console_give_each_room_its_own_video(media_page, new_page, site: LiveSite) -> None:
    """The issue's breakout journey, media on: the moderator generates topic breakouts in the
    console, adjusts a placement by keyboard and opens them; each person lands in their
    topic's room seeing only that room's video; a move from the live overview switches it."""
    # The moderator's own video is not what this journey is about: their page has media off.
    mod = new_page()
    enter_room_without_media(mod, site, "moderator3")
    close_rooms(mod)
    people = {u: media_page(u) for u in ("leader64", "leader65", "leader66")}
    alone = people["leader66"]
    try:
        # In the plenary everyone speaks (the tone), so leader66 sees the other two: what
        # vanishes in the rooms was there before.
        alone.evaluate(WATCH_MEDIA_SPACE)
        sees_video_of(alone, site, "leader64")
        sees_video_of(alone, site, "leader65")

        generate_plan(mod)  # by topic interest
        a = planned_room(mod, site, "leader64")
        adjusted = False
        if card(mod, site, "leader65").get_attribute("data-room") != a["key"]:
            move_by_keyboard(mod, site, "leader65", a["key"])
            adjusted = True
        here = card(mod, site, "leader66").get_attribute("data-room")
        if here == a["key"] or not adjusted:  # leader66 to another room (by keyboard too)
            keys = mod.locator(".plan-room:not(.unplaced)").evaluate_all("(rooms) => rooms.map((r) => r.dataset.room)")
            move_by_keyboard(mod, site, "leader66", next(k for k in keys if k not in (a["key"], here)))
        b = planned_room(mod, site, "leader66")
        assert planned_room(mod, site, "leader65") == a and b["key"] != a["key"]
        assert a["topic"] in TOPICS and b["topic"] in TOPICS, (a, b)

        open_rooms(mod, minutes=10)
        # Told where they go ("Go now" skips the countdown), then in their topic's room.
        expect(alone.locator("#move-banner")).to_contain_text(f"Moving you to {b['name']}")
        alone.get_by_role("button", name="Go now").click()
        for username, room in (("leader66", b), ("leader64", a), ("leader65", a)):
            expect_in_room(people[username], room)
        expect_minutes_left(people["leader64"], 9.0, 10.0)

        # Room A: the two see each other. Room B: leader66's media now serves room B (it
        # said so), it is connected, and nothing of room A arrives — not for a while.
        sees_video_of(people["leader64"], site, "leader65")
        sees_video_of(people["leader65"], site, "leader64")
        alone.wait_for_function("(room) => window.mediaSpace === room", arg=b["key"])
        alone.wait_for_function(MEDIA_CONNECTED)
        for _ in range(3):
            sees_no_video_of(alone, site, "leader64", "leader65")
            alone.wait_for_timeout(500)
        expect(people["leader64"].locator("#grid video")).to_have_count(2)  # theirs and their own

        # The moderator moves leader66 into room A from the live overview: room A's video.
        move_from_overview(mod, site, "leader66", a["key"])
        expect(alone.locator("#notices")).to_contain_text(f"You were moved to {a['name']}")
        expect_in_room(alone, a)
        sees_video_of(alone, site, "leader64")
        sees_video_of(alone, site, "leader65")
        sees_video_of(people["leader64"], site, "leader66")
        expect(alone.locator("#room-people")).to_contain_text(name(site, "leader65"))
        assert_accessible(alone, "breakout room with video, after being moved")

        writer = people["leader65"]
        writer.get_by_role("textbox", name="Shared notes").fill("Family tech nights each quarter\nHotspots through the library\n")
        writer.get_by_label("New action item").fill("Invite every family to the spring share-out")
        writer.get_by_label("New action item").press("Enter")
        send_chat(writer, f"I'll keep the notes; {name(site, 'leader64').split()[0]}, can you share out?")
        viewer = people["leader64"]
        expect(viewer.locator("#chat-log")).to_contain_text("I'll keep the notes")
        expect(viewer.locator("#top5-list .top5-text", has_text="Invite every family to the spring share-out")).to_have_count(1)
        expect(viewer.get_by_role("textbox", name="Shared notes")).to_have_value(re.compile("Hotspots"))
        screenshot(viewer, "breakout-room.png")
    finally:
        close_rooms(mod)
