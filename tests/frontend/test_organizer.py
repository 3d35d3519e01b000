"""The organizer's journey on the site, in Chromium: create a regional meeting from its kind,
edit a session, invite a speaker; the speaker opens their link, sees their session and tests
screen sharing in the lobby. Every page axe-clean."""
from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_organizer_creates_a_regional_meeting_edits_it_and_invites_a_speaker(new_page, site) -> None:
    page: Page = new_page()
    sign_in(page, "organizer")
    page.goto("/organize/new/")
    expect(page.get_by_role("heading", name="Create a convening")).to_be_visible()
    assert_accessible(page, "the new convening page")
    slug = f"spring-regional-{secrets.token_hex(3)}"
    page.get_by_label("Regional Collaborative Meeting").check()
    page.get_by_label("Title", exact=True).fill("Spring Regional Meeting")
    page.get_by_label("Web address").fill(slug)
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_label("Date").fill("2027-04-14")
    page.get_by_label("Start time").fill("09:00")
    page.get_by_role("button", name="Create the convening").click()
    page.wait_for_url(f"**/c/{slug}/organize/")
    expect(page.get_by_role("heading", name="Organize Spring Regional Meeting")).to_be_visible()
    expect(page.locator(".organizer-table")).to_contain_text("Regional breakouts")
    expect(page.locator(".meta").first).to_contain_text("breakouts group people by region")
    assert_accessible(page, "the organizer home")

    # Edit a session: a new title and a later start, in the convening's time zone.
    page.get_by_role("link", name="Regional breakouts").click()
    assert_accessible(page, "the session page")
    page.get_by_label("Title", exact=True).fill("Regional breakouts: sharing what works")
    page.get_by_label("Starts").fill("10:15")
    page.get_by_role("button", name="Save the session").click()
    expect(page.locator(".messages")).to_contain_text("Saved “Regional breakouts: sharing what works”")
    page.get_by_role("link", name="Agenda").click()
    expect(page.locator(".organizer-table")).to_contain_text("10:15 AM")

    # Invite a speaker onto that session.
    page.get_by_role("navigation", name="Organizer pages").get_by_role("link", name="Speakers").click()
    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Last name").fill("Delgado")
    page.get_by_label("Email").fill(f"rosa.{slug}@example.org")
    page.get_by_label("Regional breakouts: sharing what works").check()
    page.get_by_role("button", name="Invite the speaker").click()
    expect(page.locator("#invited")).to_contain_text("Rosa Delgado is invited as a presenter")
    expect(page.locator(".organizer-table")).to_contain_text("Rosa Delgado")
    assert_accessible(page, "the speakers page")
    link = page.locator(".join-link").get_attribute("href")
    assert link and "/join/" in link

    # The speaker, in a browser of their own: the link, their session, the lobby test.
    speaker: Page = new_page()
    speaker.goto(link)
    expect(speaker.locator("#join-heading")).to_have_text("Welcome, Rosa Delgado")
    expect(speaker.get_by_text("(presenter)")).to_be_visible()
    with speaker.expect_navigation():
        speaker.get_by_role("button", name="Join as Rosa Delgado").click()
    # The link lands on the live page, whose header links to the speaker's own page.
    own_page = speaker.get_by_role("navigation", name="Convening pages").get_by_role("link", name="Your speaker page")
    expect(own_page).to_be_visible()
    speaker.goto(own_page.get_attribute("href"))  # it opens a new tab; here, the same one
    expect(speaker.get_by_role("heading", name="Your sessions at Spring Regional Meeting")).to_be_visible()
    expect(speaker.locator(".speaker-session h2")).to_contain_text("Regional breakouts: sharing what works")
    assert_accessible(speaker, "the speaker page")
    speaker.get_by_role("link", name="Open the lobby to test").click()
    expect(speaker.get_by_role("heading", name="Ready to join?")).to_be_visible()
    speaker.wait_for_function("() => !document.querySelector('#preview').hidden"
                              " && document.querySelector('#preview').videoWidth > 0")  # the camera previews
    test_button = speaker.get_by_role("button", name="Test screen sharing")
    test_button.click()
    expect(speaker.locator("#screen-test-status")).to_contain_text("Screen sharing works")
    speaker.wait_for_function("() => document.querySelector('#screen-test-preview').videoWidth > 0")
    assert_accessible(speaker, "the lobby while testing screen sharing")
    speaker.get_by_role("button", name="Stop the test").click()
    expect(speaker.locator("#screen-test-status")).to_contain_text("stopped")
