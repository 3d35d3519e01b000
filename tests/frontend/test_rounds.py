"""Multi-round breakouts in real browsers: a moderator sets up a jigsaw from the console's
"Rounds" by keyboard and starts it; the room header says "Round 1 of 2", then — after the
round is wrapped up and its countdown ends — "Round 2 of 2". Axe-clean."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import LiveSite, assert_accessible
from tests.frontend.helpers import enter_room_without_media as enter_room
from tests.frontend.helpers import moderator_in_plenary, open_console

pytestmark = pytest.mark.browser


@pytest.fixture
def moderator(new_page, site: LiveSite) -> Iterator[Page]:
    yield from moderator_in_plenary(new_page, site, "moderator2")


def test_moderator_sets_up_and_starts_rounds_and_the_room_header_shows_the_round(
        moderator: Page, new_page, site: LiveSite) -> None:
    mod = moderator
    people = [new_page() for _ in range(2)]
    for page, username in zip(people, ("leader50", "leader51")):
        enter_room(page, site, username)
    open_console(mod)
    rounds = mod.locator("#rounds-form")
    preset = rounds.get_by_label("Start from a preset")
    preset.focus()
    preset.select_option(label="Jigsaw (2 rounds)")
    expect(rounds.get_by_label("Round 1: how people are grouped")).to_have_value("topic")
    expect(rounds.get_by_label("Round 2: how people are grouped")).to_have_value("jigsaw")
    rounds.get_by_label("Round 2: minutes").fill("10")
    rounds.get_by_label("Wrap-up countdown between rounds (seconds)").fill("1")
    assert_accessible(mod, "moderator console: rounds", showing="#rounds-form")
    rounds.get_by_role("button", name="Start rounds").focus()
    mod.keyboard.press("Enter")

    expect(rounds.locator("#rounds-status")).to_have_text("Round 1 of 2 is running.")
    for page in people:
        expect(page.locator("#breakout-round")).to_have_text("Round 1 of 2")
        expect(page.locator("#breakout-name")).to_have_text(re.compile(r"^Round 1 · "))
    rounds.get_by_role("button", name="Wrap up this round").click()  # the 1 s countdown, then round 2
    for page in people:
        expect(page.locator("#breakout-round")).to_have_text("Round 2 of 2")
    expect(rounds.locator("#rounds-status")).to_have_text("Round 2 of 2 is running.")
    expect(rounds.get_by_role("button", name="Wrap up the last round")).to_be_visible()
    assert_accessible(people[0], "breakout room in round 2")
