"""The recording notice in Chromium: a moderator records the plenary; everyone in it sees the
persistent "Recording" indicator and hears the announcement; someone in the lobby sees it
before entering; when it stops, the indicator goes and the stop is announced. axe-core clean.
The moderator also turns the space's automatic captions on and off."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.frontend.conftest import assert_accessible, enter_room, open_lobby

pytestmark = pytest.mark.browser


def test_everyone_sees_and_hears_that_the_plenary_is_recorded(new_page, site) -> None:
    moderator, leader, waiting = new_page(), new_page(), new_page()
    enter_room(moderator, site, "moderator2")
    enter_room(leader, site, "leader13")
    expect(leader.get_by_role("button", name="Record this space")).to_have_count(0)  # participants can't
    record = moderator.get_by_role("button", name="Record this space")
    try:
        record.click()
        for page in (moderator, leader):
            expect(page.locator("#recording-indicator")).to_be_visible()
            expect(page.locator("#recording-indicator")).to_have_text("Recording")
        expect(leader.locator("#recording-announce")).to_have_text("This session is being recorded.")
        stop = moderator.get_by_role("button", name="Stop recording")
        expect(stop).to_have_attribute("aria-pressed", "true")
        assert_accessible(leader, "recording: a participant in a recorded plenary")
        assert_accessible(moderator, "recording: the moderator recording the plenary")

        open_lobby(waiting, site, "leader14")  # told before entering
        expect(waiting.locator("#lobby-recording")).to_be_visible()
        expect(waiting.locator("#lobby-recording")).to_contain_text("being recorded")
        assert_accessible(waiting, "recording: the lobby of a recorded plenary")
    finally:
        if moderator.get_by_role("button", name="Stop recording").count():
            moderator.get_by_role("button", name="Stop recording").click()  # other journeys share the server
    expect(leader.locator("#recording-indicator")).to_be_hidden()
    expect(leader.locator("#recording-announce")).to_have_text("Recording stopped.")
    expect(moderator.get_by_role("button", name="Record this space")).to_have_attribute("aria-pressed", "false")


    # The same moderator turns the plenary's automatic captions on and off (captions.automatic).
    automatic = moderator.locator("#captions-automatic")
    expect(automatic).to_have_text("Turn automatic captions on")
    expect(leader.locator("#captions-automatic")).to_be_hidden()  # in the moderators' captioner box
    automatic.click()
    expect(automatic).to_have_attribute("aria-pressed", "true")
    expect(automatic).to_have_text("Turn automatic captions off")
    automatic.click()
    expect(automatic).to_have_attribute("aria-pressed", "false")
