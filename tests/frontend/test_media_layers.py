"""Simulcast and connection quality in the browser client (issue 16, items 2, 4, 6): a camera
goes out as layers the media server sees, a viewer renders the layer chosen for it and sees
on the tile what arrives (in words), a small tile gets the low layer and a large one climbs to
a higher layer, and a tile scrolled out of view stops receiving video until it is back. The client's own decisions (which layers, when
the uplink is weak, when a size is worth telling) are plain functions, checked first.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import assert_accessible
from tests.frontend.helpers import enter_room_without_media, pid, sees_video_of, tile

pytestmark = pytest.mark.browser

DECISIONS = """async () => {
  const { layerPlan, activeRanks, UplinkGuard } = await import('/static/convene/js/media-layers.js');
  const { sizesMoved } = await import('/static/convene/js/media.js');
  const { tileQuality, levelOf } = await import('/static/convene/js/media-quality.js');
  const heights = (h) => layerPlan(h).map((l) => l.height);
  const plan = layerPlan(480);
  const guard = (ms) => {
    const g = new UplinkGuard(plan);
    const caps = [];
    for (let t = 0; t <= ms; t += 1000) caps.push(g.sample({ now: t, available: t < 20_000 ? 200_000 : 5_000_000, limited: t < 20_000 }));
    return caps;
  };
  const steady = new UplinkGuard(plan);
  const steadyCaps = [];
  for (let t = 0; t <= 60_000; t += 1000) steadyCaps.push(steady.sample({ now: t, available: 400_000, limited: false }));
  return {
    h480: heights(480), h360: heights(360), h1080: heights(1080), h120: heights(120), h200: heights(200),
    fixed: layerPlan(240, 3).map((l) => l.height),
    scales: plan.map((l) => l.scale), rising: plan.every((l, i) => !i || l.maxBitrate > plan[i - 1].maxBitrate),
    all: [...activeRanks(3, null, 2)], asked: [...activeRanks(3, new Set([0, 1]), 2)],
    capped: [...activeRanks(3, null, 0)], capBelowAsked: [...activeRanks(3, new Set([2]), 0)], none: [...activeRanks(3, new Set(), 2)],
    weakThenBack: guard(40_000),
    steadyCaps: [...new Set(steadyCaps)],
    moved: [sizesMoved({ 1: 180 }, { 1: 190 }), sizesMoved({ 1: 180 }, { 1: 360 }), sizesMoved({ 1: 180 }, {}), sizesMoved({}, { 2: 90 })],
    tile: tileQuality({ height: 360, loss: 0.004, rtt: 38, frames: 10 }),
    poor: tileQuality({ height: 90, loss: 0.12, rtt: 40, frames: 3 }),
    nothing: tileQuality({ height: 0, loss: 0, rtt: 40, frames: 0 }),
    levels: [levelOf(30, 0), levelOf(300, 0), levelOf(30, 0.03), levelOf(700, 0)],
  };
}"""


def test_layer_and_quality_decisions(new_page) -> None:
    page: Page = new_page()
    page.goto("/")
    r = page.evaluate(DECISIONS)
    # The fake camera's 640×480 gives 120/240/480; bigger cameras stop at 720p; small ones get fewer layers.
    assert r["h480"] == [120, 240, 480] and r["h360"] == [90, 180, 360] and r["h1080"] == [180, 360, 720]
    assert r["h120"] == [120] and r["h200"] == [100, 200]
    assert r["fixed"] == [60, 120, 240]  # a new camera on existing m-lines keeps their number
    assert r["scales"] == [4, 2, 1] and r["rising"]
    assert r["all"] == [0, 1, 2] and r["asked"] == [0, 1] and r["capped"] == [0]
    assert r["capBelowAsked"] == [2], "someone watches the top layer only: it is sent even on a weak uplink"
    assert r["none"] == []
    caps = r["weakThenBack"]
    assert caps[:8] == [2] * 8, "nothing is judged while a new connection's estimate climbs"
    assert min(caps[:20]) == 0, "a weak uplink sheds layers down to the lowest"
    assert caps[-1] == 2, "and takes them back once the estimate carries them"
    assert r["steadyCaps"] == [2], "an estimate below the layers' sum alone (a still picture) is no weakness"
    assert r["moved"] == [False, True, True, True]
    assert r["tile"] == {"level": "good", "text": "Good · 360p",
                         "label": "Connection good: receiving 360p, 0.4 % loss, 38 ms round trip"}
    assert r["poor"]["text"] == "Poor · 90p" and r["nothing"] is None
    assert r["levels"] == ["good", "fair", "fair", "poor"]


SENDERS = """async () => {
  const { CameraLayers, screenTransceiver } = await import('/static/convene/js/media-layers.js');
  const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
  canvas.getContext('2d').fillRect(0, 0, 10, 10);
  const camera = canvas.captureStream(5).getVideoTracks()[0];
  const sending = { direction: 'sendonly' };
  const pc = new RTCPeerConnection();
  const layers = new CameraLayers(pc, sending);
  layers.start(camera, true);
  const encodings = (t) => t.sender.getParameters().encodings[0];
  await pc.setLocalDescription(await pc.createOffer());
  const specs = layers.layerSpecs();
  layers.activate(new Set([0]));
  const screen = screenTransceiver(pc, canvas.captureStream(5).getVideoTracks()[0], sending);
  // A browser that refuses per-sender encodings: one plain camera m-line.
  const refusing = new RTCPeerConnection();
  const add = refusing.addTransceiver.bind(refusing);
  refusing.addTransceiver = (track, init) => { if (init?.sendEncodings) throw new TypeError('no'); return add(track, init); };
  const single = new CameraLayers(refusing, sending);
  single.start(camera, true);
  const result = {
    scales: layers.transceivers.map((t) => encodings(t).scaleResolutionDownBy),
    sameTrackOnTop: layers.transceivers[2].sender.track === camera,
    clones: layers.transceivers.slice(0, 2).every((t) => t.sender.track !== camera && t.sender.track.kind === 'video'),
    specs: Object.values(specs), active: layers.transceivers.map((t) => encodings(t).active),
    screenHint: screen.sender.track.contentHint, screenFps: encodings(screen).maxFramerate, screenScale: encodings(screen).scaleResolutionDownBy,
    fallback: [single.layered, single.transceivers.length, refusing.getTransceivers().length, JSON.stringify(single.layerSpecs())],
  };
  layers.close();
  pc.close();
  refusing.close();
  return result;
}"""


def test_camera_layers_and_screen_senders(new_page) -> None:
    page: Page = new_page()
    page.goto("/")
    r = page.evaluate(SENDERS)
    assert r["scales"] == [4, 2, 1] and r["sameTrackOnTop"] and r["clones"]
    assert r["specs"] == [{"rank": 0, "height": 90}, {"rank": 1, "height": 180}, {"rank": 2, "height": 360}]
    assert r["active"] == [True, False, False]
    assert r["screenHint"] == "text" and r["screenFps"] == 5 and r["screenScale"] == 1
    assert r["fallback"] == [False, 1, 1, "{}"]


DIAGNOSE = """() => new Promise((resolve) => {
  const off = convene.bus.on('msg:media.diagnostics', (msg) => { off(); resolve(msg.servers); });
  convene.net.send('media.diagnose');
})"""
# What this page receives of the camera on `mid`: its inbound-rtp frames and height.
INBOUND = """async (mid) => {
  const pc = convenePeers.at(-1);
  let found = null;
  (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.mid === mid) found = { frames: r.framesReceived || 0, height: r.frameHeight || 0 }; });
  return found;
}"""
CAMERA_MID = """(id) => { const p = convenePeers.at(-1); const t = p.getTransceivers().find((t) =>
  t.receiver.track && convene.store.state.remoteStreams.get(id)?.camera?.getTracks()[0] === t.receiver.track); return t?.mid ?? null; }"""
# The publisher's camera senders, lowest layer first: each one's scale and whether it sends.
LAYERS_SENT = """() => convenePeers.at(-1).getTransceivers()
  .filter((t) => t.direction === 'sendonly' && t.sender.track?.kind === 'video')
  .map((t) => ({ scale: t.sender.getParameters().encodings[0]?.scaleResolutionDownBy, active: t.sender.getParameters().encodings[0]?.active }))"""


def frames_grow(page: Page, mid: str, grow: bool) -> None:
    """The camera on `mid` keeps arriving (`grow`) or stops: framesReceived over 1.5 s."""
    page.wait_for_function(f"""async (mid) => {{
      const f = async () => (await ({INBOUND})(mid))?.frames ?? 0;
      const before = await f();
      await new Promise((r) => setTimeout(r, 1500));
      return ((await f()) > before) === {str(grow).lower()};
    }}""", arg=mid, polling=200)


def test_camera_layers_a_viewer_and_its_tiles(media_page, new_page, site) -> None:
    mod = new_page()
    mod.set_default_timeout(20_000)  # a moderator's page loads the console too: slow on a busy box
    enter_room_without_media(mod, site, "moderator2")
    before = mod.evaluate(DIAGNOSE)
    a = media_page("leader70")
    viewer = media_page("leader71")
    # The publisher sends its 640×360 camera as three layers (scaled 4×, 2×, 1×).
    a.wait_for_function(f"() => JSON.stringify(({LAYERS_SENT})().map((e) => e.scale)) === '[4,2,1]'")
    sees_video_of(viewer, site, "leader70")
    # The media server receives them as one camera of three layers each (A's and the viewer's).
    servers = mod.evaluate(DIAGNOSE)
    layers = sum(s.get("camera_layers", 0) for s in servers.values()) - sum(s.get("camera_layers", 0) for s in before.values())
    assert layers == 6, (before, servers)

    # A grid tile ~90 px high gets the 90p layer, and A stops sending the layers nobody needs.
    someone = f"#grid li[data-participant-id='{pid(site, 'leader70')}']"
    video = f"{someone} video"
    viewer.wait_for_function(f"(sel) => document.querySelector(sel)?.videoHeight === {low_layer(viewer, video)}", arg=video)
    a.wait_for_function(f"() => JSON.stringify(({LAYERS_SENT})().map((e) => e.active)) === '[true,false,false]'")
    # The tile says in words what arrives, with the figures in its label.
    badge = tile(viewer, site, "leader70").locator(".tile-quality")
    expect(badge.locator(".tile-quality-text")).to_have_text(re.compile(r"^(Good|Fair|Poor) · 90p$"))
    expect(badge).to_have_attribute("title", re.compile(r"^Connection (good|fair|poor): receiving 90p, [\d.]+ % loss"))
    assert_accessible(viewer, "plenary: tiles with connection quality")

    # Drawn large, the tile climbs: the client reports its new size and the server moves it up a
    # layer once its probe shows the viewer's link carries it (~7 s on a quiet box; A starts
    # sending the layer it needs again), and the tile's words follow.
    large = viewer.add_style_tag(content=f"{video} {{ position: fixed !important; top: 0 !important; "
                                         "left: 0 !important; width: 640px !important; height: 360px !important; }")
    viewer.wait_for_function("(sel) => document.querySelector(sel)?.videoHeight > 90", arg=video, timeout=60_000)
    a.wait_for_function(f"() => ({LAYERS_SENT})().slice(1).some((e) => e.active)")
    expect(badge.locator(".tile-quality-text")).to_have_text(re.compile(r"^(Good|Fair|Poor) · (180|360)p$"), timeout=10_000)
    large.evaluate("(el) => el.remove()")

    # Scrolled out of view: no video arrives for that tile; back in view: it does again.
    mid = viewer.evaluate(CAMERA_MID, pid(site, "leader70"))
    assert mid is not None
    frames_grow(viewer, mid, True)
    away = viewer.add_style_tag(content=f"{someone} {{ position: fixed !important; top: 200vh !important; }}")
    frames_grow(viewer, mid, False)
    away.evaluate("(el) => el.remove()")
    frames_grow(viewer, mid, True)


def low_layer(page: Page, video: str) -> int:
    """The layer for a tile as high as `video` is drawn (the fake camera's 360/180/90)."""
    drawn = page.evaluate("(sel) => document.querySelector(sel).getBoundingClientRect().height * devicePixelRatio", video)
    assert drawn <= 90, f"the grid tile is {drawn} px high: this test expects the smallest layer to fit it"
    return 90
