"""The live page keeps what matters in view: in a breakout room the header and its timer stay
pinned while people type their notes and Top 5 (desktop and phone), several notices fold into
one banner and "N more notices" so a phone still shows the room, passing news goes away by
itself, and leaving says "You left" with a way back — all axe-core clean.

Breakout state belongs to the convening: the room opened here is closed before and after."""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import PHONE, LiveSite, assert_accessible
from tests.frontend.helpers import enter_room_without_media as enter_room
from tests.frontend.helpers import moderator_in_plenary

pytestmark = pytest.mark.browser

SHORT_DESKTOP = {"width": 1280, "height": 600}  # a laptop with the browser's bars: the room column scrolls
IN_VIEW = """() => {
  const wrap = document.querySelector('#stage-wrap');
  const header = document.querySelector('#breakout-header');
  const time = document.querySelector('#breakout-time');
  const w = wrap.getBoundingClientRect(), hd = header.getBoundingClientRect(), t = time.getBoundingClientRect();
  const hit = document.elementFromPoint(t.left + t.width / 2, t.top + t.height / 2);
  return { scrolled: wrap.scrollTop, headerOffset: Math.round(hd.top - w.top),
           timeShown: t.top >= 0 && t.bottom <= innerHeight && t.top >= w.top && !!hit && time.contains(hit) };
}"""


@pytest.fixture
def moderator(new_page, site: LiveSite) -> Iterator[Page]:
    yield from moderator_in_plenary(new_page, site, "moderator2")


def open_one_room(mod: Page) -> None:
    """Plan the people here into one room (by the protocol, as the console does) and open it."""
    session_id = mod.evaluate("() => JSON.parse(document.querySelector('#convene-config').textContent)"
                              ".breakout_sessions[0].id")
    mod.evaluate("""(sid) => new Promise((resolve, reject) => {
        const off = convene.bus.on('msg:breakout.plan_ready', () => { off(); resolve(); });
        convene.net.trySend('breakout.plan', { session_id: sid, strategy: 'random', room_count: 1 },
                            { onError: reject });
    })""", session_id)
    mod.evaluate("""(sid) => convene.net.trySend('breakout.open', { session_id: sid, duration_s: 900, grace_s: 30 },
        { onError: (e) => console.error('open failed', e.message) })""", session_id)


def wait_in_room(page: Page) -> None:
    """Into the room (skipping the "Moving you to …" countdown with its Go now)."""
    page.wait_for_function("() => convene.store.state.view === 'room'"
                           " || !!document.querySelector('#move-banner:not([hidden])')")
    # Go now, if the countdown has not just ended by itself.
    page.evaluate("() => document.querySelector('#move-banner:not([hidden]) button')?.click()")
    page.wait_for_function("() => convene.store.state.view === 'room'")
    expect(page.locator("#breakout-time")).to_have_text(re.compile(r"^\d+:\d\d$"))


PASSING_NEWS_AT_0_AND_5_S = """async () => {
  const text = 'You were moved to a test room.';
  const shown = () => [...document.querySelectorAll('#notices li')].some(
    (li) => li.textContent.includes(text) && !li.hidden);
  convene.bus.emit('notice', { title: 'Moved:', text });
  const count = () => document.querySelector('#notices').children.length;
  const result = { shown: shown(), folded: document.querySelector('#notices-more').textContent === `${count() - 1} more notices` };
  await new Promise((resolve) => setTimeout(resolve, 5000));
  return { ...result, after5s: shown() };
}"""


def type_in_the_room(page: Page, tag: str) -> None:
    """Write in the shared notes, then in the Top 5's new item: the column scrolls to them."""
    notes = page.get_by_role("textbox", name="Shared notes")
    notes.click()
    page.keyboard.type(f"Our school tries peer observation next month {tag}")
    item = page.get_by_label("New action item")
    item.click()
    page.keyboard.type(f"Schedule the first peer observation {tag}")


def expect_header_pinned(page: Page, state: str) -> None:
    view = page.evaluate(IN_VIEW)
    assert view["scrolled"] > 0, f"{state}: the room column did not need to scroll ({view})"
    assert abs(view["headerOffset"]) <= 1, f"{state}: the room header scrolled away ({view})"
    assert view["timeShown"], f"{state}: the timer is not in view ({view})"


def test_room_header_and_timer_stay_in_view_while_typing_and_with_many_notices(
        moderator: Page, new_page, site: LiveSite) -> None:
    tag = uuid.uuid4().hex[:6]
    desk, phone = new_page(viewport=SHORT_DESKTOP), new_page(viewport=PHONE)
    enter_room(desk, site, "leader31")
    enter_room(phone, site, "leader32")
    open_one_room(moderator)
    for page in (desk, phone):
        wait_in_room(page)

    # Typing the notes and the Top 5: the header and the time left stay pinned above.
    type_in_the_room(desk, tag)
    expect_header_pinned(desk, "desktop, typing the Top 5")
    type_in_the_room(phone, tag)
    expect_header_pinned(phone, "phone, typing the Top 5")
    assert_accessible(phone, "a breakout room on a phone, typing")

    # Four notices: one banner shows, the rest fold into "3 more notices"; the room stays in view.
    for n in range(1, 5):
        moderator.evaluate("(text) => convene.net.trySend('breakout.broadcast', { text })", f"Notice {n} {tag}")
        expect(phone.locator("#notices")).to_contain_text(f"Notice {n} {tag}")
    visible = phone.locator("#notices > li:visible")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text(f"Notice 4 {tag}")  # the newest
    # At least our other three fold (passing news such as "Moved" may be there too, for a while).
    broadcasts = phone.locator('#notices > li[data-kind="broadcast"]')
    shown_broadcasts = broadcasts.count()  # ours; only Dismiss changes it (a leftover would count too)
    assert shown_broadcasts >= 4
    more = phone.get_by_role("button", name=re.compile(r"^\d+ more notices?$"))
    expect(more).to_have_attribute("aria-expanded", "false")
    expect_header_pinned(phone, "phone with four notices")
    assert_accessible(phone, "a breakout room on a phone with four notices")

    # Passing news ("Moved", "Back in the plenary") goes away by itself; notices from people stay.
    # Timed by the page's own clock, so a slow test machine cannot make it look expired early.
    seen = phone.evaluate(PASSING_NEWS_AT_0_AND_5_S)
    assert seen == {"shown": True, "folded": True, "after5s": True}, seen
    passing = phone.locator("#notices li", has_text="You were moved to a test room.")
    expect(passing).to_have_count(0, timeout=10_000)
    expect(more).to_be_visible()  # back to "N more notices"

    # Opened, the notices scroll in a box of their own: the header and timer are still there.
    more.click()
    expect(phone.get_by_role("button", name="Show fewer notices")).to_have_attribute("aria-expanded", "true")
    expect(phone.locator("#notices > li[hidden]")).to_have_count(0)  # every notice shows
    view = phone.evaluate(IN_VIEW)
    assert view["timeShown"], f"the timer is not in view with the notices open ({view})"
    assert_accessible(phone, "a breakout room on a phone with the notices open")
    phone.get_by_role("button", name=re.compile("^Dismiss: Notice from")).first.click()
    expect(broadcasts).to_have_count(shown_broadcasts - 1)


def test_leaving_says_you_left_with_rejoin(new_page, site: LiveSite) -> None:
    page = new_page()
    enter_room(page, site, "leader33")
    page.get_by_role("button", name="Leave").click()
    expect(page.get_by_role("heading", name="You left the convening")).to_be_focused()
    expect(page.locator("#quality .quality-text")).to_have_text("You left")
    page.wait_for_timeout(1500)  # no reconnecting afterwards either
    expect(page.locator("#quality .quality-text")).to_have_text("You left")
    expect(page.get_by_text("Reconnecting")).to_have_count(0)
    assert_accessible(page, "after leaving")
    with page.expect_navigation():  # the page loads again (its scripts too) before Join is pressed
        page.get_by_role("button", name="Rejoin").click()
    expect(page.get_by_role("heading", name="Ready to join?")).to_be_visible()
    page.locator("#join-button").click()
    page.wait_for_function("() => window.convene && window.convene.store.state.net === 'open'")
    expect(page.locator("#quality .quality-text")).to_have_text(re.compile(r"^Connection (good|fair|poor)"))
