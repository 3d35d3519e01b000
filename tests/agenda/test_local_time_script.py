"""The progressive-enhancement script, in a real browser set to another time zone."""
from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def _expected(today: dt.date) -> str:
    """The demo's opening plenary (08:30–09:30 in Los Angeles) as seen from Berlin."""
    la, berlin = ZoneInfo("America/Los_Angeles"), ZoneInfo("Europe/Berlin")
    start = dt.datetime.combine(today, dt.time(8, 30), la).astimezone(berlin)
    end = dt.datetime.combine(today, dt.time(9, 30), la).astimezone(berlin)
    clock = lambda t: t.strftime("%I:%M %p").lstrip("0")  # noqa: E731
    return f"{start:%a} {clock(start)} – {clock(end)} in Europe/Berlin"


@pytest.mark.browser
def test_browser_shows_sessions_in_its_own_time_zone(live_server) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(timezone_id="Europe/Berlin", locale="en-US").new_page()
            page.goto(f"{live_server.http_url}/c/statewide-leadership-academy/")
            local = page.locator(".agenda-item .browser-time").first
            assert local.is_visible()
            today = dt.datetime.now(ZoneInfo("America/Los_Angeles")).date()
            assert local.inner_text() == _expected(today)
            assert page.locator("#tz").input_value() == "Europe/Berlin"  # suggested, not yet applied
        finally:
            browser.close()
