"""The plenary share-out in a real browser: every team's and room's Top 5, there for people
who join or reconnect late (loaded on connect), refreshed on demand, and the header's links
to the pages beside the call (surveys, your team's Top 5, the share-out) — keyboard only,
axe-clean.

leader40 and leader41 share a School Leadership Team in the demo academy; leader43 is on
another. No other browser test uses them, so their team's list is this test's alone."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import SLUG, LiveSite, assert_accessible, wait_connected
from tests.frontend.helpers import enter_room_without_media

pytestmark = pytest.mark.browser

NEW_TAB = " (opens in a new tab)"


def open_team_tab(page: Page) -> Page:
    """Follow "Your team's Top 5" from the live header by keyboard: it opens a new tab."""
    link = page.get_by_role("navigation", name="Convening pages").get_by_role("link", name=f"Your team's Top 5{NEW_TAB}")
    link.focus()
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    team = opened.value
    team.wait_for_load_state()
    expect(team.get_by_role("heading", level=1)).to_contain_text("Top 5 Action Items:")
    return team


def add_item(team: Page, text: str) -> None:
    field = team.get_by_label("Add an action item")
    field.fill(text)
    field.press("Enter")
    expect(team.locator("ol.top5 input[name='text']").last).to_have_value(text)  # editable, so in a text box


def test_share_out_shows_teams_top5_to_late_joiners_and_refreshes(new_page, site: LiveSite) -> None:
    tag = uuid.uuid4().hex[:6]
    items = (f"Inventory every device by May {tag}", f"Host a family tech night {tag}")
    writer = new_page()
    enter_room_without_media(writer, site, "leader40")

    # The header's links: pages beside the call, in new tabs.
    nav = writer.get_by_role("navigation", name="Convening pages")
    expect(nav.get_by_role("link", name=f"Surveys{NEW_TAB}")).to_have_attribute("href", f"/c/{SLUG}/surveys/")
    expect(nav.get_by_role("link", name=f"Share-out{NEW_TAB}")).to_have_attribute("href", f"/c/{SLUG}/share-out/")
    team_link = nav.get_by_role("link", name=f"Your team's Top 5{NEW_TAB}")
    expect(team_link).to_have_attribute("target", "_blank")
    team_id = re.search(r"/teams/(\d+)/action-items/$", team_link.get_attribute("href")).group(1)
    team_tab = open_team_tab(writer)
    team_name = team_tab.get_by_role("heading", level=1).inner_text().removeprefix("Top 5 Action Items: ")
    add_item(team_tab, items[0])

    # Someone who joins now sees the team's list in the share-out, without any live message.
    late = new_page()
    enter_room_without_media(late, site, "leader43")
    share = late.locator("#share-out")
    expect(share).to_be_visible()
    card = late.locator(f"#share-list .share-team[data-team-id='{team_id}']")
    expect(card.get_by_role("heading", level=4)).to_have_text(team_name)
    expect(card.locator("li")).to_have_text([items[0]])
    expect(card.locator(".badge")).to_have_count(0)  # not leader43's team
    expect(late.get_by_role("heading", level=3, name="School Leadership Teams")).to_be_visible()
    # Results lead; the teams still writing (most of 24) fold into one line after them, which opens.
    writing = late.locator("#share-writing")
    expect(late.locator("#share-list > :last-child")).to_have_class("share-waiting")
    expect(writing.locator("summary")).to_have_text(re.compile(r"^\d+ teams are still writing(, yours among them)?$"))
    expect(writing.locator("p")).to_be_hidden()
    writing.locator("summary").click()
    expect(writing.locator("p")).to_be_visible()
    expect(writing.locator("p")).not_to_contain_text(team_name)  # it has written: it is above
    assert_accessible(late, "plenary: share-out loaded on connect")

    # The writer reconnects: the share-out is loaded again, their own team marked.
    writer.bring_to_front()
    writer.context.set_offline(True)
    expect(writer.locator("#reconnect-banner")).to_contain_text("Reconnecting")
    writer.context.set_offline(False)
    wait_connected(writer)
    own = writer.locator(f"#share-list .share-team[data-team-id='{team_id}']")
    expect(own.locator("li")).to_have_text([items[0]])
    expect(own.locator(".badge")).to_have_text("Your team")

    # A team's edit has no live message: Refresh (by keyboard) picks it up and says so.
    add_item(team_tab, items[1])
    refresh = late.get_by_role("button", name="Refresh the share-out")
    refresh.focus()
    late.keyboard.press("Enter")
    expect(card.locator("li")).to_have_text([items[0], items[1]])
    expect(late.locator("#share-status")).to_have_text(re.compile(r"^Share-out updated at \d{1,2}:\d\d"))
    expect(refresh).to_be_focused()

    # Hide and show again, by keyboard.
    late.get_by_role("button", name="Hide share-out").focus()
    late.keyboard.press("Enter")
    expect(late.locator("#share-list")).to_be_hidden()
    expect(late.get_by_role("button", name="Show share-out")).to_have_attribute("aria-expanded", "false")
    late.keyboard.press("Enter")
    expect(card).to_be_visible()
    expect(late.get_by_role("button", name="Hide share-out")).to_be_focused()
    assert_accessible(late, "plenary: share-out after a refresh")
