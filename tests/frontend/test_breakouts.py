"""Breakout rooms in real browsers: the moderator's console (plan options, keyboard and
mouse moves, opening, the live overview with its timer, messages and visits), participants
landing in their rooms, moves, help, room chat, shared notes with a conflict, the Top 5, the
timer's end with its wrap-up countdown and the share-out, and self-select with a full room —
all axe-clean.

Breakout state belongs to the convening, so every test closes the rooms it opened
(the ``moderator`` fixture does, even when a test fails). Media is off in these pages
(``?media=0``); test_media.py has the same breakouts with video."""
from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import LiveSite, assert_accessible, load_axe, screenshot
from tests.frontend.helpers import (
    board,
    card,
    drag_beside,
    expect_in_room,
    expect_minutes_left,
    generate_plan,
    moderator_in_plenary,
    move_by_keyboard,
    move_from_overview,
    name,
    open_console,
    open_rooms,
    overview_row,
    pid,
    planned_room,
    send_chat,
)
from tests.frontend.helpers import enter_room_without_media as enter_room

pytestmark = pytest.mark.browser


@pytest.fixture
def moderator(new_page, site: LiveSite) -> Iterator[Page]:
    """Jordan Ellis in the plenary; breakouts left open by anything are closed before and after."""
    yield from moderator_in_plenary(new_page, site, "moderator1")


def test_moderator_plans_by_keyboard_opens_moves_and_answers_help(moderator: Page, new_page, site: LiveSite) -> None:
    tag = uuid.uuid4().hex[:6]
    mod = moderator
    people = {u: new_page() for u in ("leader13", "leader14", "leader15")}
    for username, page in people.items():
        enter_room(page, site, username)

    # Planning ahead (everyone registered): a full board to move people around on.
    open_console(mod)
    mod.get_by_label("Include everyone registered").check()
    generate_plan(mod, open_first=False)
    expect(mod.locator("#plan-summary")).to_have_text(re.compile(r"^Planned \d+ people\.$"))
    a = planned_room(mod, site, "leader13")
    assert_accessible(mod, "moderator console: plan")

    # Keyboard: pick leader14 up, arrow to leader13's room, drop.
    def screenshot_the_move() -> None:
        mod.get_by_role("button", name="Hide chat").click()  # the board gets the width
        mod.locator("#plan-title").evaluate("(el) => el.scrollIntoView({block: 'start'})")
        # In the call the console scrolls, never the page: the header stays in view.
        assert mod.evaluate("[scrollY, document.scrollingElement.scrollHeight]") == [0, mod.viewport_size["height"]]
        screenshot(mod, "moderator-console.png")
        mod.get_by_role("button", name="Chat & people").click()
    move_by_keyboard(mod, site, "leader14", a["key"], while_aiming=screenshot_the_move)

    # Mouse: drag leader15 to a room beside theirs (same row: no scrolling mid-drag), not A.
    b_key = drag_beside(mod, card(mod, site, "leader15"), avoid=a["key"])
    expect(mod.locator(f".plan-room[data-room='{b_key}'] .person-card[data-pid='{pid(site, 'leader15')}']")).to_be_visible()
    b = planned_room(mod, site, "leader15")
    assert planned_room(mod, site, "leader14") == a and b["key"] != a["key"]

    load_axe(people["leader14"])
    open_rooms(mod, minutes=5)

    # Everyone is told where they go, with a short countdown ("Go now" skips it).
    expect(people["leader13"].locator("#move-banner")).to_contain_text(f"Moving you to {a['name']}")
    people["leader13"].get_by_role("button", name="Go now").click()
    expect(people["leader14"].locator("#move-banner")).to_contain_text(f"Moving you to {a['name']}")
    assert_accessible(people["leader14"], "plenary: the 'Moving you to…' countdown", showing="#move-banner")
    expect_in_room(people["leader13"], a)
    expect(people["leader13"].locator("#breakout-topic")).to_be_focused()
    expect_in_room(people["leader14"], a)
    expect_in_room(people["leader15"], b)
    expect(people["leader13"].locator("#room-people")).to_contain_text(name(site, "leader14"))
    assert_accessible(people["leader13"], "breakout room")
    assert_accessible(mod, "moderator console: live overview")

    # Room chat stays in the room.
    send_chat(people["leader15"], f"Only room B hears this {tag}")
    send_chat(people["leader13"], f"Hello room A {tag}")
    expect(people["leader14"].locator("#chat-log")).to_contain_text(f"Hello room A {tag}")
    expect(people["leader15"].locator("#chat-log")).not_to_contain_text(f"Hello room A {tag}")

    # A message to room A only, then one to everyone.
    to_rooms = mod.locator("#rooms-broadcast")
    to_rooms.get_by_label("Message to breakout rooms").fill(f"Room A, five minutes to go {tag}")
    to_rooms.get_by_label("Send to").select_option(label=a["name"])
    to_rooms.get_by_role("button", name="Send").click()
    expect(mod.locator("#announce-polite")).to_have_text(f"Message sent to {a['name']}.")
    for username in ("leader13", "leader14"):
        notice = people[username].locator("#notices .banner", has_text=f"Room A, five minutes to go {tag}")
        expect(notice).to_contain_text("Notice from Jordan Ellis")
    to_rooms.get_by_label("Message to breakout rooms").fill(f"Everyone, ten minutes to go {tag}")
    to_rooms.get_by_label("Send to").select_option(label="Everyone (all rooms and the plenary)")
    to_rooms.get_by_role("button", name="Send").click()
    expect(people["leader15"].locator("#notices")).to_contain_text(f"Everyone, ten minutes to go {tag}")
    expect(people["leader13"].locator("#notices")).to_contain_text(f"Everyone, ten minutes to go {tag}")
    expect(people["leader15"].locator("#notices")).not_to_contain_text(f"Room A, five minutes to go {tag}")

    # The moderator moves leader15 into room A from the live overview.
    move_from_overview(mod, site, "leader15", a["key"])
    leader15 = people["leader15"]
    expect(leader15.locator("#notices")).to_contain_text(f"You were moved to {a['name']}")
    expect(leader15.locator("#announce-assertive")).to_have_text(f"You were moved to {a['name']}.")
    expect_in_room(leader15, a)
    expect(leader15.locator("#chat-log")).to_contain_text(f"Hello room A {tag}")
    expect(leader15.locator("#chat-log")).not_to_contain_text(f"Only room B hears this {tag}")
    assert_accessible(leader15, "breakout room: after being moved")

    # Visit room B from the overview, and back.
    mod.get_by_role("button", name=f"Visit {b['name']}").click()
    expect_in_room(mod, b)
    expect(mod.locator("#room-people .visiting")).to_contain_text("Jordan Ellis")
    mod.get_by_role("button", name="Return to plenary").click()
    expect(mod.locator("#session-label")).to_have_text("Plenary")
    open_console(mod)

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

    # Recall one person; then End now (confirmed): everyone is back in the plenary at once and told so.
    mod.get_by_role("button", name="Breakouts").click()
    overview_row(mod, site, "leader14").get_by_role("button", name=f"Recall {name(site, 'leader14')} to the plenary").click()
    expect(people["leader14"].locator("#notices")).to_contain_text("A moderator brought you back to the plenary.")
    expect(people["leader14"].locator("#session-label")).to_have_text("Plenary")
    mod.get_by_role("button", name="End now").click()
    expect(mod.locator("#ov-confirm-text")).to_be_focused()
    expect(mod.locator("#ov-confirm-text")).to_contain_text("End every room now?")
    assert_accessible(mod, "moderator console: confirm End now", showing="#ov-confirm")
    mod.get_by_role("group", name=re.compile("^End every room now")).get_by_role("button", name="End now").click()
    for page in (people["leader13"], people["leader15"]):
        expect(page.locator("#session-label")).to_have_text("Plenary")
        expect(page.locator("#notices")).to_contain_text("Breakout rooms closed")


def test_room_work_notes_top_five_timer_and_share_out(moderator: Page, new_page, site: LiveSite) -> None:
    tag = uuid.uuid4().hex[:6]
    mod = moderator
    first, second = new_page(), new_page()
    sent: list[str] = []  # what first's page sends: entering a room needs no room.sync
    first.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(str(frame))))
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
    assert sent and not [f for f in sent if '"room.sync"' in f]  # space.entered brought what the room holds

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

    # Top 5: add, reorder by keyboard, edit, remove. (Each run has a database of its own, and
    # the room's items may show in test_media.py's breakout-room.png: plain words, no tags.)
    items = ("Start a family tech night each quarter", "Lend hotspots through the library", "Temporary item")
    for page, text in ((first, items[0]), (second, items[1]), (first, items[2])):
        page.get_by_label("New action item").fill(text)
        page.get_by_label("New action item").press("Enter")
        expect(page.locator("#top5-list")).to_contain_text(text)
    rows = second.locator("#top5-list .top5-row .top5-text")
    expect(rows).to_have_text(list(items))
    second.get_by_role("button", name=re.compile("^Edit: Lend hotspots")).focus()
    second.keyboard.press("Alt+ArrowUp")
    expect(rows).to_have_text([items[1], items[0], items[2]])
    expect(second.get_by_role("button", name=re.compile("^Edit: Lend hotspots"))).to_be_focused()
    expect(second.locator("#announce-polite")).to_have_text(re.compile(r'^Moved "Lend hotspots.*" to number 1 of 3\.$'))
    expect(first.locator("#top5-list .top5-text")).to_have_text([items[1], items[0], items[2]])
    first.get_by_role("button", name=f"Remove: {items[2]}").click()
    expect(first.locator("#top5-list .top5-text")).to_have_text([items[1], items[0]])
    first.get_by_role("button", name=re.compile("^Move down: Lend hotspots")).click()
    expect(second.locator("#top5-list .top5-text")).to_have_text([items[0], items[1]])
    assert_accessible(first, "breakout room: notes and Top 5")

    # The timer: the room header's time left follows Set, +5 and −5; Close all (confirmed) starts the wrap-up.
    expect_minutes_left(first, 3.0, 5.0)
    mod.get_by_label("Minutes left").fill("3")
    mod.get_by_role("button", name="Set", exact=True).click()
    expect_minutes_left(first, 2.75, 3.0)
    expect(mod.locator("#ov-time")).to_have_text(re.compile(r"^(2:[4-5]\d|3:00)$"))
    mod.get_by_role("button", name="+5 min").click()
    expect_minutes_left(second, 7.75, 8.0)
    mod.get_by_role("button", name="−5 min").click()
    expect_minutes_left(first, 2.5, 3.0)
    mod.get_by_role("button", name="Close all rooms").click()
    expect(mod.locator("#ov-confirm-text")).to_contain_text("Close all rooms?")
    mod.keyboard.press("Escape")  # Cancel: nothing happens, focus goes back
    expect(mod.locator("#ov-confirm")).to_be_hidden()
    expect(mod.get_by_role("button", name="Close all rooms")).to_be_focused()
    expect(first.locator("#breakout-time-label")).not_to_have_text("Closing in")
    mod.get_by_role("button", name="Close all rooms").click()
    mod.get_by_role("button", name="Start the countdown").click()
    expect(first.locator("#breakout-time-label")).to_have_text("Closing in")
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
    open_console(mod)
    mod.get_by_label("Include everyone registered").check()  # four rooms for the two people here
    generate_plan(mod, rooms=4, open_first=False)
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
    expect(second.get_by_role("button", name=f"Full: {wanted}")).to_have_attribute("aria-disabled", "true")
    assert_accessible(second, "plenary: a full room refused")
    second.get_by_role("button", name=f"Join {other}").click()
    expect(second.locator("#breakout-name")).to_have_text(other)
    # The moderator sees both, one per room.
    expect(mod.locator("#ov-summary")).to_contain_text("2 people in rooms")


def test_plan_options_change_the_plan(moderator: Page) -> None:
    """Strategy, School Leadership Teams and room sizes each shape the plan the board shows."""
    mod = moderator
    open_console(mod)
    mod.get_by_label("Include everyone registered").check()  # planning ahead: few people are connected
    generate_plan(mod, rooms=8, open_first=False)
    topics = [room["name"] for room in board(mod)]
    assert all(re.fullmatch(r"(Parent Engagement|Professional Learning|Technology Access and Equity|"
                            r"Best Practices in Math)( · \d+)?", t) for t in topics), topics

    generate_plan(mod, rooms=8, strategy="Job role", open_first=False)
    rooms = board(mod)
    assert {r["name"].split(" · ")[0] for r in rooms} >= {"Administrators", "Coaches", "Teachers"}, rooms
    group_of = {"Principal": "Administrators", "Coach": "Coaches", "Technician": "Technicians", "Teacher": "Teachers",
                "Support staff": "Support Staff"}
    for room in rooms:  # each room is mostly the job role it is named for (sizes are balanced)
        role, _ = Counter(person["detail"].split(" · ")[-1] for person in room["people"]).most_common(1)[0]
        assert room["name"].split(" · ")[0] == group_of[role], (room["name"], room["people"])

    def schools_per_room(rooms: list[dict]) -> list[Counter]:
        """Team members per school in each room ("School · job role"; a district leader who
        registered without a school has no team to keep together or spread)."""
        return [Counter(person["detail"].split(" · ")[0] for person in room["people"] if " · " in person["detail"])
                for room in rooms]

    generate_plan(mod, rooms=8, strategy="Random", teams="Keep each team together", open_first=False)
    rooms = board(mod)
    assert [r["name"] for r in rooms] == [f"Room {i}" for i in range(1, 9)]
    for room, schools in zip(rooms, schools_per_room(rooms)):  # the three of each team side by side
        assert set(schools.values()) == {3}, (room["name"], schools)

    generate_plan(mod, rooms=8, strategy="Random", teams="Spread team members across rooms", open_first=False)
    rooms = board(mod)
    for room, schools in zip(rooms, schools_per_room(rooms)):  # no two of a team together
        assert set(schools.values()) == {1}, (room["name"], schools)

    generate_plan(mod, rooms=None, min_size=10, max_size=12, strategy="Random", teams="Ignore teams", open_first=False)
    sizes = [len(room["people"]) for room in board(mod)]
    assert all(10 <= n <= 12 for n in sizes), sizes
    expect(mod.locator("#plan-stats")).to_contain_text(f"{len(sizes)} ({min(sizes)}–{max(sizes)} people)")
    assert_accessible(mod, "moderator console: a plan by size")
