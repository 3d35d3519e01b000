"""The progressive-enhancement script, in a real browser set to another time zone."""
from __future__ import annotations

import os

import pytest

from tests.surveys.factories import make_convening, make_session

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_shows_sessions_in_its_own_time_zone(live_server) -> None:
    from playwright.sync_api import sync_playwright

    convening = make_convening()
    session = make_session(convening, 1, "09:45", "10:45")  # 17:45Z: 18:45 in Berlin
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_context(timezone_id="Europe/Berlin", locale="en-US").new_page()
            page.goto(f"{live_server.url}{convening.get_absolute_url()}")
            local = page.locator(f"#session-{session.pk} .browser-time")
            assert local.is_visible()
            assert local.inner_text() == "Wed 6:45 PM – 7:45 PM in Europe/Berlin"
            assert page.locator("#tz").input_value() == "Europe/Berlin"  # suggested, not yet applied
        finally:
            browser.close()
