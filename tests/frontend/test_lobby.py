"""The lobby: camera preview, microphone meter, switching devices, name check, and clear
words when a camera or microphone is blocked or missing — joining works without them."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import PHONE, assert_accessible, open_lobby, screenshot, wait_connected

pytestmark = pytest.mark.browser

FRAME_SIGNATURE = """() => {
    const video = document.querySelector('#preview');
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 36;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(video, 0, 0, 64, 36);
    return Array.from(ctx.getImageData(0, 0, 64, 36).data).join(',');
}"""



def refuse(video: str | None = None, audio: str | None = None, *, none_listed: bool = False) -> str:
    """An init script: getUserMedia fails with these DOMException names for the camera
    (``video``) or microphone (``audio``), as when one is blocked or missing;
    ``none_listed``: the browser lists no devices at all."""
    return """
(([video, audio, noneListed]) => {
  const md = navigator.mediaDevices;
  if (!md) return;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = (constraints = {}) => {
    const refused = (constraints.video && video) || (constraints.audio && audio);
    return refused ? Promise.reject(new DOMException('Refused by the test', refused)) : original(constraints);
  };
  if (noneListed) md.enumerateDevices = async () => [];
})(%s);""" % json.dumps([video, audio, none_listed])


DENY_CAMERA = refuse(video="NotAllowedError")
TRACK_LABEL = "(kind) => document.querySelector('#preview').srcObject?.getTracks().find((t) => t.kind === kind)?.label"


def test_lobby_previews_camera_and_microphone(new_page, site) -> None:
    page: Page = new_page()
    open_lobby(page, site, "leader04")
    expect(page.locator(".identity")).to_contain_text("You'll appear as")
    expect(page.locator("#you-name")).to_have_text(site.tokens["leader04"]["name"])

    # The fake camera plays: the video element has frames, and they change.
    page.wait_for_function("() => { const v = document.querySelector('#preview');"
                           " return !v.hidden && v.readyState >= 2 && v.videoWidth > 0 && !v.paused; }")
    first = page.evaluate(FRAME_SIGNATURE)
    page.wait_for_function(f"(first) => ({FRAME_SIGNATURE})() !== first", arg=first, timeout=5000)

    # The fake microphone beeps: the level meter moves above silence.
    page.wait_for_function("() => Number(document.querySelector('#mic-level').getAttribute('aria-valuenow')) > 10",
                           timeout=5000, polling=50)

    # Devices are listed by name once permission is granted.
    expect(page.get_by_label("Camera", exact=True)).to_be_enabled()
    expect(page.get_by_label("Microphone", exact=True)).to_be_enabled()
    expect(page.locator("#join-button")).to_have_text("Join now")
    assert_accessible(page, "lobby")
    screenshot(page, "lobby.png")

    # Another camera and another microphone: the preview and the meter switch to them.
    assert page.evaluate(TRACK_LABEL, "video") == "fake_device_0"
    page.get_by_label("Camera", exact=True).select_option(label="fake_device_1")
    page.wait_for_function(f"() => ({TRACK_LABEL})('video') === 'fake_device_1'")
    page.wait_for_function(f"(first) => ({FRAME_SIGNATURE})() !== first", arg=page.evaluate(FRAME_SIGNATURE))
    page.get_by_label("Microphone", exact=True).select_option(label="Fake Audio Input 1")
    page.wait_for_function(f"() => ({TRACK_LABEL})('audio') === 'Fake Audio Input 1'")
    page.wait_for_function("() => Number(document.querySelector('#mic-level').getAttribute('aria-valuenow')) > 10",
                           timeout=5000, polling=50)
    expect(page.get_by_label("Camera", exact=True)).to_have_value(page.evaluate(
        "() => document.querySelector('#preview').srcObject.getVideoTracks()[0].getSettings().deviceId"))

    # Turning the camera off in the lobby says so, and on again brings the preview back.
    page.get_by_role("button", name="Turn off camera").click()
    expect(page.locator("#preview-state")).to_have_text("Your camera is off")
    page.get_by_role("button", name="Turn on camera").click()
    expect(page.locator("#preview")).to_be_visible()


def test_lobby_on_a_phone_is_accessible(new_page, site) -> None:
    page = new_page(viewport=PHONE)
    open_lobby(page, site, "leader05")
    expect(page.locator("#preview")).to_be_visible()
    page.locator("#join-button").scroll_into_view_if_needed()
    expect(page.locator("#join-button")).to_be_visible()
    assert_accessible(page, "lobby on a phone")


def test_camera_denied_explains_and_joins_without_camera(new_page, site) -> None:
    page = new_page(init_script=DENY_CAMERA)
    open_lobby(page, site, "leader06")
    problem = page.locator(".problem[data-device='camera']")
    expect(problem).to_contain_text("isn't allowed to use your camera")
    expect(problem.get_by_role("button", name="Try again")).to_be_visible()
    expect(page.locator("#preview-state")).to_have_text("Your camera is not available")
    # The microphone still works on its own.
    expect(page.locator(".problem[data-device='microphone']")).to_have_count(0)
    join = page.get_by_role("button", name="Join without camera")
    expect(join).to_be_visible()
    assert_accessible(page, "lobby with camera blocked")
    screenshot(page, "lobby-camera-blocked.png")

    join.click()
    wait_connected(page)
    expect(page.locator("#ctl-mic .control-label")).to_have_text("Mute")
    expect(page.locator("#ctl-cam .control-label")).to_have_text("Start video")
    # Everyone sees that this person's camera is off.
    me = page.locator(f"#people [data-participant-id='{site.tokens['leader06']['participant_id']}']")
    page.get_by_role("tab", name="People").click()
    expect(me.get_by_role("img", name="camera off")).to_be_visible()
    expect(me.get_by_role("img", name="microphone on")).to_be_visible()
    # Trying the camera again in the room explains the problem next to the button.
    page.locator("#ctl-cam").click()
    expect(page.locator("#cam-error")).to_contain_text("isn't allowed to use your camera")


def test_microphone_blocked_says_so_and_joins_with_camera_only(new_page, site) -> None:
    page = new_page(init_script=refuse(audio="NotAllowedError"))
    open_lobby(page, site, "leader20")
    problem = page.locator(".problem[data-device='microphone']")
    expect(problem).to_contain_text("isn't allowed to use your microphone")
    expect(problem.get_by_role("button", name="Try again")).to_be_visible()
    expect(page.locator(".problem[data-device='camera']")).to_have_count(0)
    expect(page.locator("#preview")).to_be_visible()  # the camera works on its own
    expect(page.locator("#mic-level")).to_have_attribute("aria-valuenow", "0")
    assert_accessible(page, "lobby with the microphone blocked")
    page.get_by_role("button", name="Join without microphone").click()
    wait_connected(page)
    expect(page.locator("#ctl-mic .control-label")).to_have_text("Unmute")
    expect(page.locator("#ctl-cam .control-label")).to_have_text("Stop video")
    page.locator("#ctl-mic").click()  # still blocked: said next to the button
    expect(page.locator("#mic-error")).to_contain_text("isn't allowed to use your microphone")


def test_no_camera_or_microphone_at_all_still_joins(new_page, site) -> None:
    page = new_page(init_script=refuse(video="NotFoundError", audio="NotFoundError", none_listed=True))
    open_lobby(page, site, "leader21")
    expect(page.locator(".problem[data-device='camera']")).to_contain_text("No camera was found. Connect one")
    expect(page.locator(".problem[data-device='microphone']")).to_contain_text("No microphone was found. Connect one")
    expect(page.locator("#preview-state")).to_have_text("Your camera is not available")
    expect(page.get_by_label("Camera", exact=True)).to_be_disabled()
    expect(page.locator("#camera-select")).to_have_text("No camera available")
    expect(page.locator("#mic-select")).to_have_text("No microphone available")
    assert_accessible(page, "lobby with no camera and no microphone")

    page.get_by_role("button", name="Join without camera and microphone").click()
    wait_connected(page)
    expect(page.locator("#ctl-mic .control-label")).to_have_text("Unmute")
    expect(page.locator("#ctl-cam .control-label")).to_have_text("Start video")
    # Still in the call: media connects (receiving only), everyone sees camera and microphone off.
    page.wait_for_function("() => convene.store.state.mediaState === 'connected'", timeout=20_000)
    expect(page.locator("#media-notice")).to_be_hidden()
    page.get_by_role("tab", name="People").click()
    me = page.locator(f"#people [data-participant-id='{site.tokens['leader21']['participant_id']}']")
    expect(me.get_by_role("img", name="camera off")).to_be_visible()
    expect(me.get_by_role("img", name="microphone off")).to_be_visible()
    assert_accessible(page, "plenary joined without camera and microphone")
