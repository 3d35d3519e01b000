"""What the browser journeys do and check, shared between test files: the moderator's
console (generate a plan, move a card by keyboard or mouse, open the rooms), being in a
room, and video that plays (frames changing) or is absent."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from playwright.sync_api import Locator, Page, expect

from tests.frontend.conftest import LiveSite, wait_connected

SESSION = "Breakouts by core component"
ROOMS_CLOSED = "() => !(convene.store.state.breakouts?.rooms || []).some((r) => r.state !== 'closed')"


def pid(site: LiveSite, username: str) -> int:
    return int(site.tokens[username]["participant_id"])


def name(site: LiveSite, username: str) -> str:
    return site.tokens[username]["name"]


def enter_room_without_media(page: Page, site: LiveSite, username: str) -> None:
    """Join link → lobby → Join, with media off (``?media=0``): for journeys about rooms,
    whose aria-live assertions should hear breakouts only, not the video calls."""
    site.open_join_link(page, username)
    page.goto(f"{site.live_url}?media=0")
    page.locator("#join-button").click()
    wait_connected(page)


def close_rooms(page: Page) -> None:
    """Close any open breakout rooms (breakout state belongs to the convening: tests share it)."""
    page.evaluate("() => convene.net.trySend('breakout.close', {}, { onError: () => {} })")
    page.wait_for_function(ROOMS_CLOSED)


def send_chat(page: Page, text: str) -> None:
    page.get_by_role("textbox", name=re.compile("^Message (everyone|your room)$")).fill(text)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#chat-log .chat-msg:not(.pending)", has_text=text)).to_be_visible()


# ---- the moderator's console ---------------------------------------------------------------------

def open_console(mod: Page) -> None:
    mod.get_by_role("button", name="Breakouts").click()
    expect(mod.get_by_role("heading", name="Breakout rooms")).to_be_focused()


def generate_plan(mod: Page, rooms: int | None = 8, *, strategy: str | None = None, teams: str | None = None,
                  min_size: int | None = None, max_size: int | None = None, open_first: bool = True) -> None:
    """Plan tab: choose the session and the options, Generate plan, wait for the new board."""
    if open_first:
        open_console(mod)
    form = mod.locator("#plan-form")
    form.get_by_label("Breakout session").select_option(label=SESSION)
    if strategy:
        form.get_by_label("Group people by").select_option(label=strategy)
    if teams:
        form.get_by_label("School Leadership Teams").select_option(label=teams)
    for label, value in (("Number of rooms", rooms), ("Min per room", min_size), ("Max per room", max_size)):
        form.get_by_label(label).fill("" if value is None else str(value))
    form.get_by_role("button", name="Generate plan").click()
    # "Generating…" until this session's new plan arrives (the click's handler has run).
    expect(mod.locator("#plan-generate")).to_have_text("Generate plan")
    expect(mod.locator("#plan-board")).not_to_have_attribute("aria-busy", "true")
    expect(mod.locator("#plan-error")).to_be_empty()
    expect(mod.locator("#plan-title")).to_contain_text("last change by")


def card(mod: Page, site: LiveSite, username: str) -> Locator:
    return mod.locator(f"#plan-board .person-card[data-pid='{pid(site, username)}']")


def card_in(mod: Page, site: LiveSite, username: str, room_key: str) -> Locator:
    return mod.locator(f".plan-room[data-room='{room_key}'] .person-card[data-pid='{pid(site, username)}']")


def planned_room(mod: Page, site: LiveSite, username: str) -> dict:
    """The plan's room of a person, read from the board: key, name and topic."""
    return room_on_board(mod, card(mod, site, username).get_attribute("data-room"))


def room_on_board(mod: Page, key: str) -> dict:
    column = mod.locator(f".plan-room[data-room='{key}']")
    room_name = column.locator(".plan-room-name").evaluate("(el) => el.firstChild.textContent.trim()")
    topic = column.locator(".plan-room-topic")
    return {"key": key, "name": room_name, "topic": topic.inner_text() if topic.count() else room_name}


def board(mod: Page) -> list[dict]:
    """Every placed room on the board: key, name, and its cards' names and details."""
    return mod.locator(".plan-room:not(.unplaced)").evaluate_all("""(rooms) => rooms.map((room) => ({
        key: room.dataset.room,
        name: room.querySelector('.plan-room-name').firstChild.textContent.trim(),
        people: [...room.querySelectorAll('.person-card')].map((c) => ({
            name: c.querySelector('.card-name').textContent,
            detail: c.querySelector('.card-detail')?.textContent || ''})),
    }))""")


def move_by_keyboard(mod: Page, site: LiveSite, username: str, room_key: str,
                     while_aiming: Callable[[], None] | None = None) -> None:
    """Focus the card, Enter picks it up, arrows choose the room, Enter drops it there
    (``while_aiming`` runs before the drop, e.g. to take a screenshot of the move)."""
    who = name(site, username)
    card(mod, site, username).focus()
    mod.keyboard.press("Enter")
    expect(card(mod, site, username)).to_have_attribute("aria-pressed", "true")
    expect(mod.locator("#move-bar")).to_be_visible()
    expect(mod.locator("#announce-polite")).to_contain_text(f"Picked up {who}")
    for _ in range(60):
        if mod.locator(".plan-room.drop-target").get_attribute("data-room") == room_key:
            break
        mod.keyboard.press("ArrowRight")
    expect(mod.locator("#move-target")).to_have_value(room_key)
    if while_aiming:
        while_aiming()
        card(mod, site, username).focus()
    mod.keyboard.press("Enter")
    expect(card_in(mod, site, username, room_key)).to_be_focused()
    expect(mod.locator("#announce-assertive")).to_have_text(f"Moved {who} to {room_on_board(mod, room_key)['name']}")


def drag_beside(mod: Page, source: Locator, avoid: str) -> str:
    """Drag a person's card onto the card at the same height in a neighbouring room; that room's key."""
    source.scroll_into_view_if_needed()
    column = source.locator("xpath=ancestor::section[contains(@class, 'plan-room')]")
    here, top = column.get_attribute("data-room"), column.bounding_box()["y"]
    index = column.locator(".person-card").evaluate_all(
        "(cards, pid) => cards.findIndex((c) => c.dataset.pid === pid)", source.get_attribute("data-pid"))
    for other in mod.locator(".plan-room:not(.unplaced)").all():
        key = other.get_attribute("data-room")
        if key not in (here, avoid) and abs(other.bounding_box()["y"] - top) < 4:
            cards = other.locator(".person-card")
            source.drag_to(cards.nth(min(index, cards.count() - 1)))
            return key
    raise AssertionError("no room beside the source on the board")


def open_rooms(mod: Page, minutes: int = 5, grace_s: int = 60, mode: str = "assigned", capacity: int | None = None) -> None:
    mod.get_by_label("Minutes", exact=True).fill(str(minutes))
    mod.get_by_label("Wrap-up countdown (seconds)").fill(str(grace_s))
    mod.get_by_label("Everyone chooses (self-select)" if mode == "self_select" else "Assigned by this plan").check()
    if capacity is not None:
        mod.get_by_label("Places per room").fill(str(capacity))
    mod.get_by_role("button", name="Open rooms").click()
    expect(mod.get_by_role("tab", name=re.compile("Live rooms"))).to_have_attribute("aria-selected", "true")


def overview_row(mod: Page, site: LiveSite, username: str) -> Locator:
    return mod.locator(f"#ov-rooms .ov-person[data-participant-id='{pid(site, username)}']")


def move_from_overview(mod: Page, site: LiveSite, username: str, room_key: str) -> None:
    row = overview_row(mod, site, username)
    row.get_by_label(f"Move {name(site, username)} to").select_option(room_key)
    row.get_by_role("button", name=f"Move {name(site, username)}").click()


# ---- in a room -------------------------------------------------------------------------------------------

def expect_in_room(page: Page, room: dict) -> None:
    expect(page.locator("#breakout-header")).to_be_visible()
    expect(page.locator("#breakout-topic")).to_have_text(room["topic"])
    expect(page.locator("#breakout-name")).to_have_text(room["name"])
    expect(page.locator("#session-label")).to_have_text(f"Breakout · {room['name']}")


def minutes_left(page: Page) -> float:
    """The room header's "Time left m:ss", in minutes."""
    expect(page.locator("#breakout-time-label")).to_have_text("Time left")
    text = page.locator("#breakout-time").inner_text()
    assert re.fullmatch(r"\d+:\d\d", text), f"time left reads {text!r}"
    minutes, seconds = text.split(":")
    return int(minutes) + int(seconds) / 60


def expect_minutes_left(page: Page, low: float, high: float) -> None:
    page.wait_for_function("""([low, high]) => {
        const m = /^(\\d+):(\\d\\d)$/.exec(document.querySelector('#breakout-time').textContent);
        return !!m && +m[1] + m[2] / 60 >= low && +m[1] + m[2] / 60 <= high; }""", arg=[low, high])


# ---- video ----------------------------------------------------------------------------------------------------

# A <video>'s frames change: two canvas snapshots 700 ms apart differ.
FRAMES_CHANGE = """async (selector) => {
  const video = document.querySelector(selector);
  if (!video || video.readyState < 2 || !video.videoWidth || video.paused) return false;
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
HAS_CAMERA_OF = "(id) => !!convene.store.state.remoteStreams.get(id)?.camera"
MEDIA_CONNECTED = "() => convene.store.state.mediaState === 'connected'"


def tile(page: Page, site: LiveSite, username: str) -> Locator:
    return page.locator(f"#grid li[data-participant-id='{pid(site, username)}']")


def sees_video_of(page: Page, site: LiveSite, username: str) -> None:
    """``username``'s camera plays in this page's grid, its frames changing."""
    page.wait_for_function(HAS_CAMERA_OF, arg=pid(site, username))
    page.wait_for_function(FRAMES_CHANGE, arg=f"#grid li[data-participant-id='{pid(site, username)}'] video")


def sees_no_video_of(page: Page, site: LiveSite, *usernames: str) -> None:
    """Nothing of these people arrives, and the grid has no tile (so no <video>) for them."""
    ids = [pid(site, u) for u in usernames]
    assert not page.evaluate("(ids) => ids.some((id) => convene.store.state.remoteStreams.has(id))", ids)
    for username in usernames:
        expect(tile(page, site, username)).to_have_count(0)
    expect(page.locator("#grid video")).to_have_count(1)  # your own camera only


def moderator_in_plenary(new_page: Callable[..., Page], site: LiveSite, username: str) -> Iterator[Page]:
    """A moderator's page in the plenary (for a fixture to yield from); breakouts left open by
    anything are closed before and after ("End now": no further round opens either)."""
    page = new_page()
    enter_room_without_media(page, site, username)
    close_rooms(page)
    yield page
    close_rooms(page)
