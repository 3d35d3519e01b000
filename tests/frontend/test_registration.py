"""Registering for the demo academy in Chromium, on a desktop and a phone: the form, its
errors, a team of three, cancelling, and the organizer's list — axe-clean at every step."""
from __future__ import annotations

import json
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import DESKTOP, PHONE, SLUG, assert_accessible, sign_in
from tests.live import manage

pytestmark = pytest.mark.browser


def unique(name: str) -> str:
    return f"{name}.{secrets.token_hex(3)}@harbor.k12.ca.us"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_person_registers_from_the_convening_page(new_page, viewport) -> None:
    page: Page = new_page(viewport=viewport)
    page.goto(f"/c/{SLUG}/")
    page.get_by_role("link", name="Register", exact=True).click()
    expect(page.get_by_role("heading", name="Register for Statewide Leadership Academy")).to_be_visible()
    assert_accessible(page, "registration form")

    page.get_by_label("Full name").fill("Nora Newcomer")
    page.get_by_label("Email").fill("nora@mailinator.com")
    page.get_by_label("Job role").select_option(label="Teacher")
    page.get_by_role("button", name="Register").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("mailinator.com gives out throwaway addresses")
    expect(summary).to_contain_text("Choose your school")
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page, "registration form with errors")

    email = unique("nora")
    page.get_by_label("Email").fill(email)
    page.get_by_label("School", exact=True).select_option(label="My school is not listed")
    page.get_by_label("School name (if not listed)").fill("Tidepool Elementary")
    page.get_by_label("District or county office (if your school is not listed)").fill("Redwood Unified")
    page.get_by_label("Region (if your school is not listed)").select_option(label="North Coast")
    page.get_by_label("I am on my school's School Leadership Team").check()
    page.get_by_label("Captions").check()
    page.get_by_role("checkbox", name="Parent Engagement").check()
    page.get_by_label("Other accessibility needs").fill("Screen reader friendly materials")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="You are registered")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    assert_accessible(page, "registered")


def test_a_principal_registers_the_team_and_one_of_them_cancels(new_page, site) -> None:
    page: Page = new_page(viewport=PHONE)
    page.goto(f"/c/{SLUG}/register/")
    page.get_by_role("link", name="Register your team of three at once").click()
    expect(page.get_by_role("heading", name="Register your School Leadership Team")).to_be_visible()
    assert_accessible(page, "team form")
    page.get_by_label("School", exact=True).select_option(label="Cedar Elementary")
    people = [("Paula Principal", unique("paula"), "Principal"), ("Theo Teacher", unique("theo"), "Teacher"),
              ("Cora Coach", unique("cora"), "Coach")]
    for number, (name, email, role) in enumerate(people, start=1):
        member = page.get_by_role("group", name=f"Team member {number}")
        member.get_by_label("Full name").fill(name)
        member.get_by_label("Email").fill(email)
        member.get_by_label("Job role").select_option(label=role)
    page.get_by_role("group", name="Team member 3").get_by_label("An interpreter").check()
    page.get_by_role("button", name="Register all three").click()
    expect(page.get_by_role("heading", name="Your team's registrations")).to_be_visible()
    for name, email, _ in people:
        expect(page.get_by_text(email)).to_be_visible()
    assert_accessible(page, "team registered")

    # Theo cannot come: he opens his personal join link (emailed to him) and cancels.
    theo = new_page(viewport=PHONE)
    [row] = json.loads(manage(site.db_url, "join_links", SLUG, "--json", "--username", people[1][1].lower()))
    theo.goto(f"/join/{row['token']}/")
    with theo.expect_navigation():
        theo.get_by_role("button", name="Join as Theo Teacher").click()
    theo.goto(f"/c/{SLUG}/register/")
    expect(theo.locator("#current-registration")).to_contain_text("You are registered as Theo Teacher")
    theo.get_by_role("button", name="Cancel my registration").click()
    expect(theo.get_by_role("heading", name="Cancel your registration?")).to_be_visible()
    assert_accessible(theo, "cancel confirmation")
    theo.get_by_role("button", name="Yes, cancel my registration").click()
    expect(theo.get_by_role("heading", name="Your registration is cancelled")).to_be_visible()
    assert_accessible(theo, "cancelled")

    # The organizer sees them, with the interpreter request.
    organizer = new_page(viewport=DESKTOP)
    sign_in(organizer, "organizer")
    organizer.goto(f"/c/{SLUG}/organize/registrations/")
    expect(organizer.get_by_role("heading", name="Registrations")).to_be_visible()
    row = organizer.get_by_role("row").filter(has_text="Cora Coach")
    expect(row).to_contain_text("Interpreter")
    expect(row).to_contain_text("Registered by Paula Principal")
    expect(organizer.get_by_role("row").filter(has_text="Theo Teacher")).to_contain_text("Cancelled")
    assert_accessible(organizer, "organizer's registrations list")
