"""The live page in every phase of a convening, whatever the hour the suite runs at.

The demo academy is seeded "as of" a moment this test chooses (``manage.py demo --at``:
what the academy's agenda clock reads now), on a server of its own, so the states people
are in most of the day are checked every run: before the day begins, during a session,
with a survey prompt showing, between sessions and after the convening. Each is axe-core
clean on a desktop and a phone, for a participant and a moderator. Before the doors open
(15 minutes before the start) participants wait in the lobby, told when the academy and its
first session start in the academy's time zone and their own; moderators enter early.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from convenings.demo import PHASES
from tests.frontend.conftest import DESKTOP, PHONE, LiveSite, assert_accessible, wait_connected
from tests.live import DaphneServer, LiveDatabase, join_tokens, manage
from tests.live_clients import password_rows

pytestmark = pytest.mark.browser

# The demo's phases (convenings.demo.PHASES) → whether a survey prompt shows then.
PROMPTED = {"before": False, "session": False, "surveys": True, "between": True, "after": True}
# The browsers of these tests read clocks in New York; the academy's are in Los Angeles.
VIEWER_TZ = "America/New_York"
# "at 8:00 AM", "tomorrow at 12:20 AM", "on Monday, December 7 at …": the agenda sits around the
# clock, so its day may be another day in Los Angeles.
WHEN = r"((tomorrow|yesterday) |on \w+, \w+ \d+ )?at \d{1,2}:\d\d [AP]M"


@pytest.fixture(scope="module")
def phase_site(live_template: LiveDatabase) -> Iterator[LiveSite]:
    database = live_template.clone()
    server = DaphneServer(database.url, name="phases")
    try:
        server.start()
        rows = join_tokens(database.url, role="participant", limit=3) + password_rows(database.url)
        yield LiveSite(base_url=server.http_url, tokens={row["username"]: row for row in rows}, db_url=database.url)
    finally:
        server.kill()
        database.drop()


def enter(page: Page, site: LiveSite) -> None:
    page.goto(f"{site.live_url}?media=0")
    page.locator("#join-button").click()
    wait_connected(page)


def test_every_phase_of_the_demo_is_checked() -> None:
    assert set(PROMPTED) == set(PHASES)


def wait_in_the_lobby(page: Page, site: LiveSite) -> None:
    """Before the doors open: the lobby says when, Join is off, the camera can be tested."""
    page.goto(f"{site.live_url}?media=0")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(rf"^The academy opens {WHEN} P[SD]T$"))
    expect(page.locator("#lobby-wait")).to_contain_text(
        "You can test your camera now; this page lets you in when it opens, from")
    expect(page.locator("#join-button")).to_be_disabled()
    times = page.locator("#lobby-times")
    expect(times).to_contain_text(re.compile(
        rf"Starts\s*{WHEN} P[SD]T \(\d{{1,2}}:\d\d [AP]M E[SD]T your time\)"))
    expect(times).to_contain_text(re.compile(rf"Next session\s*Opening plenary: Successes in progress, {WHEN}"))
    page.wait_for_timeout(1500)  # the doors' clock ticks every second: still closed
    expect(page.locator("#join-button")).to_be_disabled()


@pytest.mark.parametrize("phase", list(PROMPTED))
def test_the_live_page_is_accessible_in_every_phase(phase: str, phase_site: LiveSite, browser: Browser) -> None:
    manage(phase_site.db_url, "demo", "--at", phase)
    participant, *_ = phase_site.participants(1)
    views = {"participant on a desktop": (participant, DESKTOP), "participant on a phone": (participant, PHONE),
             "moderator on a desktop": ("moderator1", DESKTOP)}
    for who, (username, viewport) in views.items():
        context = browser.new_context(viewport=viewport, base_url=phase_site.base_url, timezone_id=VIEWER_TZ)
        try:
            page = context.new_page()
            phase_site.open_join_link(page, username)
            if phase == "before" and username == participant:
                wait_in_the_lobby(page, phase_site)
                assert_accessible(page, f"the lobby before the doors open ({who})")
                continue
            enter(page, phase_site)
            if phase == "before":  # moderators set up early
                expect(page.locator("#lobby")).to_be_hidden()
            prompt = page.locator(".survey-prompt")
            if PROMPTED[phase]:
                expect(prompt).to_be_visible()
                # The visible word leads the button's name (WCAG 2.5.3): speech input can say "click Later".
                expect(prompt.get_by_role("button", name="Later")).to_be_visible()
                page.wait_for_timeout(300)  # every prompt due has come
                # However many surveys are due, they share one banner.
                expect(prompt).to_have_count(1)
                links = prompt.get_by_role("link", name=re.compile("^Take the survey"))
                if links.count() > 1:
                    expect(prompt).to_contain_text(f"Surveys waiting ({links.count()})")
            else:
                page.wait_for_timeout(300)  # prompts come right after the welcome
                expect(prompt).to_have_count(0)
            assert_accessible(page, f"the live page ({phase}, {who})")
        finally:
            context.close()


def test_after_the_academy_the_lobby_says_it_has_ended(phase_site: LiveSite, browser: Browser) -> None:
    manage(phase_site.db_url, "demo", "--at", "after")
    participant, *_ = phase_site.participants(1)
    context = browser.new_context(viewport=PHONE, base_url=phase_site.base_url, timezone_id=VIEWER_TZ)
    try:
        page = context.new_page()
        phase_site.open_join_link(page, participant)
        page.goto(f"{phase_site.live_url}?media=0")
        expect(page.locator("#lobby-ended")).to_have_text(
            "The academy has ended. You can still come in for the share-out and the surveys.")
        expect(page.locator("#lobby-times")).to_contain_text(re.compile(rf"Ended\s*{WHEN} P[SD]T"))
        assert_accessible(page, "the lobby after the academy")
        page.locator("#join-button").click()
        wait_connected(page)
    finally:
        context.close()
