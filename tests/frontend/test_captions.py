"""Live captions in the browser: a moderator makes someone the captioner, what they type
appears for everyone in the space, and each person can hide the captions or size them."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import assert_accessible, enter_room

pytestmark = pytest.mark.browser


def captions(page: Page):  # noqa: ANN201
    return page.get_by_role("region", name="Caption history")


def test_a_person_captions_the_plenary(new_page, site) -> None:
    tag = uuid.uuid4().hex[:6]
    moderator, captioner, reader = new_page(), new_page(), new_page()
    enter_room(moderator, site, "moderator1")
    enter_room(captioner, site, "leader10")
    name = site.tokens["leader10"]["name"]

    # The moderator picks the captioner with the keyboard; someone joining meanwhile (the
    # select is rebuilt from the roster) does not undo the choice.
    who = moderator.get_by_label("Captioner of this space")
    expect(who.locator("option", has_text=name)).to_have_count(1)
    who.select_option(label=name)
    make = moderator.get_by_role("button", name="Make captioner")
    make.focus()
    enter_room(reader, site, "leader11")
    expect(who.locator("option", has_text=site.tokens["leader11"]["name"])).to_have_count(1)
    for page in (captioner, reader):
        expect(page.locator("#captions-attribution")).to_be_visible()
        expect(page.locator("#captions-assign")).to_be_hidden()  # participants don't choose captioners
    expect(captioner.get_by_label("Type captions; Enter sends a line")).to_be_hidden()
    make.press("Enter")
    for page in (moderator, captioner, reader):
        expect(page.locator("#captions-attribution")).to_have_text(f"Captions by {name} (CART)")

    # The captioner types: the partial line shows while they type, Enter commits it.
    box = captioner.get_by_label("Type captions; Enter sends a line")
    expect(box).to_be_visible()
    assert_accessible(captioner, "captions: the captioner's text box")
    box.press_sequentially(f"Welcome back {tag}", delay=40)
    expect(reader.locator("#captions-partial")).to_contain_text(f"Welcome back {tag}")
    expect(reader.locator("#captions-log")).not_to_contain_text(tag)  # not final yet
    box.press("Enter")
    expect(box).to_have_value("")
    expect(reader.locator("#captions-log li")).to_contain_text([f"Welcome back {tag}"])
    expect(reader.locator("#captions-partial")).to_be_hidden()
    expect(reader.locator("#captions-announce")).to_contain_text(f"Welcome back {tag}")  # read once, complete
    expect(moderator.locator("#captions-log")).to_contain_text(f"Welcome back {tag}")

    # The history scrolls by keyboard: it is focusable.
    captions(reader).focus()
    expect(captions(reader)).to_be_focused()

    # The reader hides the captions, shows them again, and picks large text (remembered).
    toggle = reader.get_by_role("button", name="Show captions")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(captions(reader)).to_be_hidden()
    box.fill(f"Hidden while off {tag}")
    box.press("Enter")
    toggle.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(reader.locator("#captions-log")).to_contain_text(f"Hidden while off {tag}")  # nothing was lost
    size_before = captions(reader).evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    large = reader.get_by_role("button", name="Large")
    large.click()
    expect(large).to_have_attribute("aria-pressed", "true")
    expect(reader.get_by_role("button", name="Medium")).to_have_attribute("aria-pressed", "false")
    assert captions(reader).evaluate("el => parseFloat(getComputedStyle(el).fontSize)") > size_before
    assert reader.evaluate("() => localStorage.getItem('convene.captions.size')") == "l"
    assert_accessible(reader, "captions: a participant reading large captions")
    assert_accessible(moderator, "captions: the moderator's captioner choice")

    # Someone who comes in later sees who captions and what was said (the recent history).
    late = new_page()
    enter_room(late, site, "leader12")
    expect(late.locator("#captions-attribution")).to_have_text(f"Captions by {name} (CART)")
    expect(late.locator("#captions-log")).to_contain_text(f"Welcome back {tag}")

    # Done: nobody captions the plenary again (other journeys share this server).
    moderator.get_by_label("Captioner of this space").select_option(label="Nobody")
    moderator.get_by_role("button", name="Make captioner").click()
    expect(reader.locator("#captions-attribution")).to_have_text("No one is captioning this space.")
    expect(box).to_be_hidden()
