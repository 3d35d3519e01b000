"""The live page in every phase of a convening, whatever the hour the suite runs at.

The demo academy is seeded "as of" a moment this test chooses (``manage.py demo --at``:
what the academy's agenda clock reads now), on a server of its own, so the states people
are in most of the day are checked every run: before the day begins, during a session,
with a survey prompt showing, between sessions and after the convening. Each is axe-core
clean on a desktop and a phone, for a participant and a moderator.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from convenings.demo import PHASES
from tests.browser.conftest import DESKTOP, PHONE, LiveSite, assert_accessible, wait_connected
from tests.live import DaphneServer, LiveDatabase, join_tokens, manage
from tests.live_clients import password_rows

pytestmark = pytest.mark.browser

# The demo's phases (convenings.demo.PHASES) → whether a survey prompt shows then.
PROMPTED = {"before": False, "session": False, "surveys": True, "between": True, "after": True}


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


@pytest.mark.parametrize("phase", list(PROMPTED))
def test_the_live_page_is_accessible_in_every_phase(phase: str, phase_site: LiveSite, browser: Browser) -> None:
    manage(phase_site.db_url, "demo", "--at", phase)
    participant, *_ = phase_site.participants(1)
    views = {"participant on a desktop": (participant, DESKTOP), "participant on a phone": (participant, PHONE),
             "moderator on a desktop": ("moderator1", DESKTOP)}
    for who, (username, viewport) in views.items():
        context = browser.new_context(viewport=viewport, base_url=phase_site.base_url)
        try:
            page = context.new_page()
            phase_site.open_join_link(page, username)
            enter(page, phase_site)
            prompt = page.locator(".survey-prompt").first
            if PROMPTED[phase]:
                expect(prompt).to_be_visible()
                # The visible word leads the button's name (WCAG 2.5.3): speech input can say "click Later".
                expect(prompt.get_by_role("button", name="Later")).to_be_visible()
            else:
                page.wait_for_timeout(300)  # prompts come right after the welcome
                expect(prompt).to_have_count(0)
            assert_accessible(page, f"the live page ({phase}, {who})")
        finally:
            context.close()
