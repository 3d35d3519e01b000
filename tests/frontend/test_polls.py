"""A quick poll in the browser: the moderator asks, a participant votes with the keyboard,
the moderator's bars move, and shared results reach the participant — axe-core clean."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.frontend.conftest import assert_accessible, enter_room

pytestmark = pytest.mark.browser


def test_moderator_asks_participant_votes_by_keyboard(new_page, site) -> None:
    tag = uuid.uuid4().hex[:6]
    moderator, leader = new_page(), new_page()
    enter_room(moderator, site, "moderator2")
    enter_room(leader, site, "leader20")
    expect(leader.locator("#poll-mod")).to_be_hidden()  # participants don't ask polls

    # The moderator asks a single-choice poll of the plenary.
    moderator.get_by_role("button", name="Ask a poll").click()
    moderator.get_by_label("Question").fill(f"Which should your team start with? {tag}")
    moderator.get_by_label("Options, one per line").fill("Devices\nCoaching\nFamily nights")
    expect(moderator.get_by_role("radio", name="The plenary")).to_be_checked()
    assert_accessible(moderator, "polls: the moderator's form to ask")
    moderator.get_by_role("button", name="Ask", exact=True).click()
    mod_box = moderator.locator("#poll-mod")
    expect(mod_box).to_contain_text(f"Which should your team start with? {tag}")
    expect(mod_box).to_contain_text("0 people voted")

    # The participant hears of it, and votes with the keyboard only.
    expect(leader.locator("#poll-announce")).to_contain_text("New poll from")
    card = leader.get_by_role("group", name=f"Which should your team start with? {tag}")
    expect(card).to_be_visible()
    first = card.get_by_role("radio", name="Devices")
    first.focus()
    leader.keyboard.press("ArrowDown")  # radios: arrows move and choose
    expect(card.get_by_role("radio", name="Coaching")).to_be_checked()
    leader.keyboard.press("Tab")
    expect(leader.get_by_role("button", name="Submit")).to_be_focused()
    leader.keyboard.press("Enter")
    expect(leader.get_by_role("status").filter(has_text="Your vote is in")).to_have_text(
        "Your vote is in — you can change it until the poll closes.")
    expect(leader.get_by_role("button", name="Change my vote")).to_be_focused()  # the card was not rebuilt

    # The moderator's bar moves; the participant sees no results until they are shared.
    coaching = mod_box.locator(".poll-bar-row", has_text="Coaching")
    expect(coaching).to_contain_text("1 vote (100%)")
    assert coaching.locator(".poll-bar-fill").evaluate("el => el.style.width") == "100%"
    expect(mod_box).to_contain_text("1 person voted")
    expect(leader.locator("#poll-card .poll-bars")).to_have_count(0)
    moderator.get_by_role("button", name="Share results").click()
    expect(leader.locator("#poll-card .poll-bar-row", has_text="Coaching")).to_contain_text("1 vote (100%)")
    expect(moderator.get_by_role("button", name="Hide results")).to_be_visible()
    assert_accessible(moderator, "polls: live results for the moderator")
    assert_accessible(leader, "polls: the poll card after voting, with shared results")

    # Close it (the demo server is shared with other browser tests: leave no poll open).
    moderator.get_by_role("button", name="Close poll").click()
    expect(leader.locator("#poll-card")).to_contain_text("closed")
    expect(leader.get_by_role("button", name="Submit")).to_have_count(0)
