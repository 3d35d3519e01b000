"""Breakout rooms in real browsers: the moderator's console (plan, keyboard and mouse
moves, opening, the live overview), participants landing in their rooms, moves, help,
room chat, shared notes with a conflict, the Top 5, the timer's end with its wrap-up
countdown and the share-out, and self-select with a full room — all axe-clean.

Breakout state belongs to the convening, so every test closes the rooms it opened
(the ``moderator`` fixture does, even when a test fails). Media is off in these pages
(``?media=0``): room video comes with the media integration."""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveSite, assert_accessible, screenshot, wait_connected

pytestmark = pytest.mark.browser
SESSION = "Breakouts by core component"
ROOMS_CLOSED = "() => !(convene.store.state.breakouts?.rooms || []).some((r) => r.state !== 'closed')"


def enter_room(page: Page, site: LiveSite, username: str) -> None:
    """Join link → lobby → Join, with media off (``?media=0``): these tests are about rooms,
    and their aria-live assertions should hear breakouts only, not the video calls."""
    page.goto(site.join_path(username))
    page.goto(f"{site.live_url}?media=0")
    page.locator("#join-button").click()
    wait_connected(page)


@pytest.fixture
def moderator(new_page, site: LiveSite) -> Iterator[Page]:
    """Jordan Ellis in the plenary; breakouts left open by anything are closed before and after."""
    page = new_page()
    enter_room(page, site, "moderator1")
    close_rooms(page)
    yield page
    close_rooms(page)


def close_rooms(page: Page) -> None:
    page.evaluate("() => convene.net.trySend('breakout.close', {}, { onError: () => {} })")
    page.wait_for_function(ROOMS_CLOSED)


def pid(site: LiveSite, username: str) -> int:
    return site.tokens[username]["participant_id"]


def name(site: LiveSite, username: str) -> str:
    return site.tokens[username]["name"]


def generate_plan(mod: Page, rooms: int = 8) -> None:
    mod.get_by_role("button", name="Breakouts").click()
    expect(mod.get_by_role("heading", name="Breakout rooms")).to_be_focused()
    mod.get_by_label("Breakout session").select_option(label=SESSION)
    mod.get_by_label("Number of rooms").fill(str(rooms))
    mod.get_by_role("button", name="Generate plan").click()
    expect(mod.locator("#plan-title")).to_contain_text("last change by Jordan Ellis")
    expect(mod.locator("#plan-board")).not_to_have_attribute("aria-busy", "true")


def card(mod: Page, site: LiveSite, username: str):
    return mod.locator(f"#plan-board .person-card[data-pid='{pid(site, username)}']")


def planned_room(mod: Page, site: LiveSite, username: str) -> dict:
    """The plan's room of a person, read from the board: key, name and topic."""
    key = card(mod, site, username).get_attribute("data-room")
    column = mod.locator(f".plan-room[data-room='{key}']")
    room_name = column.locator(".plan-room-name").evaluate("(el) => el.firstChild.textContent.trim()")
    topic = column.locator(".plan-room-topic")
    return {"key": key, "name": room_name, "topic": topic.inner_text() if topic.count() else room_name}


def drag_beside(mod: Page, source, avoid: str) -> str:
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


def expect_in_room(page: Page, room: dict) -> None:
    expect(page.locator("#breakout-header")).to_be_visible()
    expect(page.locator("#breakout-topic")).to_have_text(room["topic"])
    expect(page.locator("#breakout-name")).to_have_text(room["name"])
    expect(page.locator("#session-label")).to_have_text(f"Breakout · {room['name']}")


def send_chat(page: Page, text: str) -> None:
    page.get_by_role("textbox", name=re.compile("^Message (everyone|your room)$")).fill(text)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#chat-log .chat-msg:not(.pending)", has_text=text)).to_be_visible()


def test_moderator_plans_by_keyboard_opens_moves_and_answers_help(moderator: Page, new_page, site: LiveSite) -> None:
    tag = uuid.uuid4().hex[:6]
    mod = moderator
    people = {u: new_page() for u in ("leader13", "leader14", "leader15")}
    for username, page in people.items():
        enter_room(page, site, username)

    generate_plan(mod)
    a = planned_room(mod, site, "leader13")
    assert_accessible(mod, "moderator console: plan")

    # Keyboard: pick leader14 up, arrow to leader13's room, drop.
    card(mod, site, "leader14").focus()
    mod.keyboard.press("Enter")
    expect(card(mod, site, "leader14")).to_have_attribute("aria-pressed", "true")
    expect(mod.locator("#move-bar")).to_be_visible()
    expect(mod.locator("#announce-polite")).to_contain_text(f"Picked up {name(site, 'leader14')}")
    for _ in range(12):
        if mod.locator(".plan-room.drop-target").get_attribute("data-room") == a["key"]:
            break
        mod.keyboard.press("ArrowRight")
    expect(mod.locator("#move-target")).to_have_value(a["key"])
    mod.get_by_role("button", name="Hide chat").click()  # the board gets the width
    mod.locator("#plan-title").evaluate("(el) => el.scrollIntoView({block: 'start'})")
    screenshot(mod, "moderator-console.png")
    mod.get_by_role("button", name="Chat & people").click()
    card(mod, site, "leader14").focus()
    mod.keyboard.press("Enter")
    expect(mod.locator(f".plan-room[data-room='{a['key']}'] .person-card[data-pid='{pid(site, 'leader14')}']")).to_be_focused()
    expect(mod.locator("#announce-assertive")).to_have_text(f"Moved {name(site, 'leader14')} to {a['name']}")

    # Mouse: drag leader15 to a room beside theirs (same row: no scrolling mid-drag), not A.
    b_key = drag_beside(mod, card(mod, site, "leader15"), avoid=a["key"])
    expect(mod.locator(f".plan-room[data-room='{b_key}'] .person-card[data-pid='{pid(site, 'leader15')}']")).to_be_visible()
    b = planned_room(mod, site, "leader15")
    assert planned_room(mod, site, "leader14") == a and b["key"] != a["key"]

    open_rooms(mod, minutes=5)
    assert_accessible(mod, "moderator console: live overview")

    # Everyone is told where they go, with a short countdown ("Go now" skips it).
    for username, page in people.items():
        expect(page.locator("#move-banner")).to_contain_text("Moving you to")
    expect(people["leader13"].locator("#move-banner")).to_contain_text(a["name"])
    people["leader13"].get_by_role("button", name="Go now").click()
    expect_in_room(people["leader13"], a)
    expect(people["leader13"].locator("#breakout-topic")).to_be_focused()
    expect_in_room(people["leader14"], a)
    expect_in_room(people["leader15"], b)
    expect(people["leader13"].locator("#room-people")).to_contain_text(name(site, "leader14"))
    assert_accessible(people["leader13"], "breakout room")

    # Room chat stays in the room.
    send_chat(people["leader15"], f"Only room B hears this {tag}")
    send_chat(people["leader13"], f"Hello room A {tag}")
    expect(people["leader14"].locator("#chat-log")).to_contain_text(f"Hello room A {tag}")
    expect(people["leader15"].locator("#chat-log")).not_to_contain_text(f"Hello room A {tag}")

    # The moderator moves leader15 into room A from the live overview.
    row = mod.locator(f"#ov-rooms .ov-person[data-participant-id='{pid(site, 'leader15')}']")
    row.get_by_label(f"Move {name(site, 'leader15')} to").select_option(a["key"])
    row.get_by_role("button", name=f"Move {name(site, 'leader15')}").click()
    leader15 = people["leader15"]
    expect(leader15.locator("#notices")).to_contain_text(f"You were moved to {a['name']}")
    expect(leader15.locator("#announce-assertive")).to_have_text(f"You were moved to {a['name']}.")
    expect_in_room(leader15, a)
    expect(leader15.locator("#chat-log")).to_contain_text(f"Hello room A {tag}")
    expect(leader15.locator("#chat-log")).not_to_contain_text(f"Only room B hears this {tag}")

    # A call for help comes first in the overview; the moderator joins the room.
    asker = people["leader13"]
    asker.get_by_role("button", name="Ask for help").click()
    expect(asker.locator("#help-status")).to_have_text("A moderator has been asked. They will join your room.")
    expect(asker.get_by_role("button", name="Withdraw help request")).to_have_attribute("aria-pressed", "true")
    call = mod.locator("#help-list .help-call").first
    expect(call).to_contain_text(f"{name(site, 'leader13')} in {a['name']}")
    expect(mod.locator("#announce-assertive")).to_have_text(f"{name(site, 'leader13')} in {a['name']} asked for help.")
    expect(mod.locator("#console-badge")).to_have_text("1")
    expect(mod.locator(f"#ov-rooms .ov-room[data-room-key='{a['key']}']")).to_have_class(re.compile("needs-help"))
    assert_accessible(mod, "moderator console: live overview with a help request")
    call.get_by_role("button", name=f"Join room {a['name']} to help {name(site, 'leader13')}").click()

    expect_in_room(mod, a)
    expect(asker.locator("#help-status")).to_have_text("Jordan Ellis joined to help.")
    expect(asker.locator("#announce-assertive")).to_have_text("Jordan Ellis joined your room to help.")
    expect(asker.get_by_role("button", name="Ask for help")).to_have_attribute("aria-pressed", "false")
    expect(asker.locator("#room-people .visiting")).to_contain_text("Jordan Ellis")
    # The console stays at hand inside the room; the request is resolved.
    mod.get_by_role("button", name="Breakouts").click()
    expect(mod.locator("#help-empty")).to_be_visible()
    expect(mod.locator("#console-badge")).to_be_hidden()
    mod.get_by_role("button", name="Close console").click()
    mod.get_by_role("button", name="Return to plenary").click()
    expect(mod.locator("#breakout-header")).to_be_hidden()
    expect(mod.locator("#session-label")).to_have_text("Plenary")

    # Recall one person; then Close all: everyone is back in the plenary and told so.
    mod.get_by_role("button", name="Breakouts").click()
    row = mod.locator(f"#ov-rooms .ov-person[data-participant-id='{pid(site, 'leader14')}']")
    row.get_by_role("button", name=f"Recall {name(site, 'leader14')} to the plenary").click()
    expect(people["leader14"].locator("#notices")).to_contain_text("A moderator brought you back to the plenary.")
    expect(people["leader14"].locator("#session-label")).to_have_text("Plenary")
    mod.get_by_role("button", name="Close all rooms").click()
    for page in (people["leader13"], people["leader15"]):
        expect(page.locator("#session-label")).to_have_text("Plenary")
        expect(page.locator("#notices")).to_contain_text("Breakout rooms closed")


def test_room_work_notes_top_five_timer_and_share_out(moderator: Page, new_page, site: LiveSite) -> None:
    tag = uuid.uuid4().hex[:6]
    mod = moderator
    first, second = new_page(), new_page()
    enter_room(first, site, "leader16")
    enter_room(second, site, "leader17")
    generate_plan(mod)
    room = planned_room(mod, site, "leader16")
    # Mouse pick-up and the "Move … to" select put leader17 in leader16's room.
    if card(mod, site, "leader17").get_attribute("data-room") != room["key"]:
        card(mod, site, "leader17").click()
        mod.get_by_label(re.compile("^Move .* to$")).select_option(room["key"])
        mod.get_by_role("button", name="Move", exact=True).click()
    expect(mod.locator(f".plan-room[data-room='{room['key']}'] .person-card[data-pid='{pid(site, 'leader17')}']")).to_be_visible()
    open_rooms(mod, minutes=5, grace_s=6)
    for page in (first, second):
        page.get_by_role("button", name="Go now").click()
        expect_in_room(page, room)

    # Shared notes: what one writes, the other sees.
    notes_a, notes_b = first.get_by_role("textbox", name="Shared notes"), second.get_by_role("textbox", name="Shared notes")
    notes_a.fill(f"Ideas {tag}\nFamily tech nights\n")
    expect(first.locator("#notes-status")).to_have_text("Saved")
    expect(notes_b).to_have_value(f"Ideas {tag}\nFamily tech nights\n")

    # A conflicting edit (same line, made offline) is not lost.
    second.context.set_offline(True)
    expect(second.locator("#reconnect-banner")).to_contain_text("Reconnecting")
    notes_b.fill(f"Ideas from the second school {tag}\nFamily tech nights\n")
    expect(second.locator("#notes-status")).to_have_text("Will save when you're back online")
    notes_a.fill(f"Ideas from the first school {tag}\nFamily tech nights\n")
    expect(first.locator("#notes-status")).to_have_text("Saved")
    second.context.set_offline(False)
    expect(second.locator("#notes-conflict")).to_be_visible()
    expect(second.locator("#notes-mine")).to_have_value(f"Ideas from the second school {tag}\nFamily tech nights\n")
    expect(notes_b).to_have_value(f"Ideas from the first school {tag}\nFamily tech nights\n")
    expect(second.locator("#announce-assertive")).to_contain_text("overlapped")
    assert_accessible(second, "breakout room: notes conflict")
    second.get_by_role("button", name="Replace the notes with my version").click()
    final = f"Ideas from the second school {tag}\nFamily tech nights\n"
    for page, notes in ((first, notes_a), (second, notes_b)):
        expect(notes).to_have_value(final)
        expect(page.locator("#notes-status")).to_have_text("Saved")

    # Top 5: add, reorder by keyboard, edit, remove.
    items = (f"Start a family tech night each quarter {tag}", f"Lend hotspots through the library {tag}",
             f"Temporary item {tag}")
    for page, text in ((first, items[0]), (second, items[1]), (first, items[2])):
        page.get_by_label("New action item").fill(text)
        page.get_by_label("New action item").press("Enter")
        expect(page.locator("#top5-list")).to_contain_text(text)
    rows = second.locator("#top5-list .top5-row .top5-text")
    expect(rows).to_have_text(list(items))
    second.get_by_role("button", name=re.compile(f"^Edit: Lend hotspots")).focus()
    second.keyboard.press("Alt+ArrowUp")
    expect(rows).to_have_text([items[1], items[0], items[2]])
    expect(second.get_by_role("button", name=re.compile(f"^Edit: Lend hotspots"))).to_be_focused()
    expect(second.locator("#announce-polite")).to_have_text(re.compile(r'^Moved "Lend hotspots.*" to number 1 of 3\.$'))
    expect(first.locator("#top5-list .top5-text")).to_have_text([items[1], items[0], items[2]])
    first.get_by_role("button", name=f"Remove: {items[2]}").click()
    expect(first.locator("#top5-list .top5-text")).to_have_text([items[1], items[0]])
    first.get_by_role("button", name=re.compile("^Move down: Lend hotspots")).click()
    expect(second.locator("#top5-list .top5-text")).to_have_text([items[0], items[1]])
    assert_accessible(first, "breakout room: notes and Top 5")
    screenshot(first, "breakout-room.png")

    # The timer ends (−5 min brings it to now): the wrap-up countdown, then the plenary.
    mod.get_by_role("button", name="−5 min").click()
    banner = first.locator("#closing-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile(r"Rooms close in 0:0\d"))
    expect(first.locator("#announce-assertive")).to_contain_text("Breakout rooms close in")
    expect(mod.locator("#ov-time-label")).to_have_text("Rooms close in")
    assert_accessible(first, "breakout room: wrap-up countdown")
    for page in (first, second):
        expect(page.locator("#session-label")).to_have_text("Plenary", timeout=15_000)
        share = page.locator(f"#share-list .share-room[data-room-key='{room['key']}']")
        expect(share).to_contain_text(room["name"])
        expect(share.locator("li")).to_have_text([items[0], items[1]])
    expect(first.locator("#closing-banner")).to_be_hidden()
    assert_accessible(first, "plenary: share-out")


def test_self_select_lists_free_places_and_refuses_a_full_room(moderator: Page, new_page, site: LiveSite) -> None:
    mod = moderator
    first, second = new_page(), new_page()
    enter_room(first, site, "leader18")
    enter_room(second, site, "leader19")
    generate_plan(mod, rooms=4)
    open_rooms(mod, mode="self_select", capacity=1)

    choices = first.locator("#choose-list .choose-room")
    expect(first.get_by_role("heading", name="Choose a breakout room")).to_be_visible()
    expect(choices).to_have_count(4)
    expect(choices.first).to_contain_text("0 of 1 places taken · 1 free")
    assert_accessible(first, "plenary: choose a breakout room")
    wanted = choices.first.get_by_role("heading").inner_text()
    other = choices.nth(1).get_by_role("heading").inner_text()

    # The second person's page still shows the place as free when they click.
    expect(second.locator("#choose-list .choose-room")).to_have_count(4)
    second.context.set_offline(True)
    expect(second.locator("#reconnect-banner")).to_contain_text("Reconnecting")
    first.get_by_role("button", name=f"Join {wanted}").click()
    expect(first.locator("#breakout-name")).to_have_text(wanted)
    expect(first.locator("#announce-assertive")).to_have_text(f"You joined {wanted}.")
    second.get_by_role("button", name=f"Join {wanted}").click()
    second.context.set_offline(False)
    expect(second.locator("#choose-error")).to_have_text(f"Sorry, {wanted} just filled up. Please choose another room.")
    expect(second.locator("#breakout-header")).to_be_hidden()
    expect(second.get_by_role("button", name=f"{wanted} is full")).to_have_attribute("aria-disabled", "true")
    assert_accessible(second, "plenary: a full room refused")
    second.get_by_role("button", name=f"Join {other}").click()
    expect(second.locator("#breakout-name")).to_have_text(other)
    # The moderator sees both, one per room.
    expect(mod.locator("#ov-summary")).to_contain_text("2 people in rooms")
