"""Everything by keyboard alone: visible focus, a logical order, no traps."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import open_lobby, wait_connected

pytestmark = pytest.mark.browser

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {id: el.id, text: (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 40),
            outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


def tab_to(page: Page, selector: str, *, limit: int = 60, backwards: bool = False) -> list[dict]:
    """Press Tab until ``selector`` has focus; every stop must show a visible focus ring."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        stops.append(focused)
        assert focused["outline"], f"no visible focus on {focused}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{selector} not reachable by Tab; stops: {[s['id'] or s['text'] for s in stops]}")


def test_join_and_take_part_by_keyboard_alone(new_page, site) -> None:
    tag = uuid.uuid4().hex[:6]
    page = new_page()
    open_lobby(page, site, "leader12")
    page.wait_for_function("() => !document.querySelector('#preview').hidden")

    # Lobby: the Join button comes right after the name check, before the device pickers.
    stops = tab_to(page, "#join-button")
    ids = [s["id"] for s in stops]
    assert ids.index("lobby-mic") < ids.index("join-button")
    page.keyboard.press("Enter")
    wait_connected(page)

    # Room: the controls, the side panel and its tabs, the chat box.
    tab_to(page, "#ctl-hand")
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Lower hand")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Raise hand")).to_be_visible()

    tab_to(page, "#tab-chat")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="People")).to_be_focused()
    expect(page.get_by_role("tab", name="People")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Find people")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="Chat")).to_have_attribute("aria-selected", "true")

    tab_to(page, "#chat-input")
    page.keyboard.type(f"Typed without a mouse {tag}")
    page.keyboard.press("Enter")
    expect(page.locator("#chat-log .chat-msg:not(.pending)", has_text=f"Typed without a mouse {tag}")).to_be_visible()

    # Microphone and camera from the keyboard.
    tab_to(page, "#ctl-mic")
    page.keyboard.press("Enter")
    expect(page.locator("#ctl-mic .control-label")).to_have_text("Unmute")
    expect(page.locator("#announce-polite")).to_have_text("Microphone muted")

    # No trap: Tab keeps moving through the page and comes round to the start.
    stops = tab_to(page, ".skip-link", limit=80)
    assert "ctl-leave" in [s["id"] for s in stops], stops
    # And backwards out of the controls bar as well.
    tab_to(page, "#ctl-leave", backwards=True, limit=80)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="You left the convening")).to_be_focused()
