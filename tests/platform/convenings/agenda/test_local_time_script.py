"""The progressive-enhancement script, in a real browser set to another time zone."""
from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def _expected(start: dt.datetime, end: dt.datetime) -> str:
    """The demo's opening plenary as seen from Berlin."""
    berlin = ZoneInfo("Europe/Berlin")
    start, end = start.astimezone(berlin), end.astimezone(berlin)
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
            # The server's times (in the convening's zone, machine-readable), whenever the demo was seeded.
            times = page.locator(".agenda-item").first.locator(".when time")
            start, end = (dt.datetime.fromisoformat(times.nth(i).get_attribute("datetime") or "") for i in (0, 1))
            assert start.utcoffset() in (dt.timedelta(hours=-8), dt.timedelta(hours=-7))  # Los Angeles
            assert local.inner_text() == _expected(start, end)
            assert page.locator("#tz").input_value() == "Europe/Berlin"  # suggested, not yet applied
        finally:
            browser.close()
