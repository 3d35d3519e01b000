"""The lobby: camera preview, microphone meter, devices, name check, and joining
without a camera when the browser refuses one."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, assert_accessible, open_lobby, screenshot, wait_connected

pytestmark = pytest.mark.browser

FRAME_SIGNATURE = """() => {
    const video = document.querySelector('#preview');
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 36;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(video, 0, 0, 64, 36);
    return Array.from(ctx.getImageData(0, 0, 64, 36).data).join(',');
}"""

DENY_CAMERA = """
(() => {
  const md = navigator.mediaDevices;
  if (!md) return;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = (constraints) => {
    if (constraints && constraints.video) {
      return Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    }
    return original(constraints);
  };
})();
"""


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
