"""The organizer's email page in Chromium: the demo's history, sending invitations from the
keyboard, the reminder settings and their error; axe-clean in each state."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.frontend.conftest import PHONE, SLUG, assert_accessible, sign_in

pytestmark = pytest.mark.browser
URL = f"/c/{SLUG}/organize/email/"


def test_the_organizer_sees_the_outbox_and_sends_invitations(new_page) -> None:
    page = new_page()
    sign_in(page, "organizer")
    page.goto(URL)
    expect(page.get_by_role("heading", name=re.compile("^Email for"))).to_be_visible()
    outbox = page.get_by_role("table", name=re.compile("Email messages for"))
    expect(outbox.get_by_role("row", name=re.compile("Failed.*550 5.1.1 Mailbox unavailable"))).to_be_visible()
    assert_accessible(page, "email organizer page")
    button = page.get_by_role("button", name="Send invitations")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"\d+ invitations queued; 6 people were invited earlier"))
    assert_accessible(page, "invitations queued")


def test_reminder_settings_explain_a_mistake(new_page) -> None:
    page = new_page(viewport=PHONE)
    sign_in(page, "organizer")
    page.goto(URL)
    expect(page.get_by_label("First reminder")).to_have_value("1440")
    page.get_by_label("First reminder").select_option("")
    page.get_by_label("Second reminder").select_option("")
    page.get_by_role("button", name="Save reminder settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose when to send at least one reminder")
    assert_accessible(page, "reminder settings error")
    page.get_by_label("First reminder").select_option("2880")
    page.get_by_role("button", name="Save reminder settings").click()
    expect(page.get_by_role("status")).to_contain_text("Reminder settings saved.")
    expect(page.get_by_label("First reminder")).to_have_value("2880")
