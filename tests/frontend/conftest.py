"""Browser tests: real Chromium (Playwright) against a real daphne serving a seeded database.

A session-wide daphne (``tests.live.DaphneServer``) serves ``config.asgi`` on a free
127.0.0.1 port from a database of its own (``tests.live.LiveDatabase``: PostgreSQL
when DATABASE_URL is, else SQLite; migrated and seeded with the demo academy), so the
tests see exactly what a person sees with ``make run``. Chromium is Debian's
(``/usr/bin/chromium``) with fake cameras and microphones; axe-core comes from
frontend/node_modules (``make test`` installs it).

Two Chromiums, shared by all tests: ``browser`` (Chromium's default fake microphone, which
beeps) and ``media_browser`` for the video journeys (a microphone playing a continuous tone,
so people count as *speaking*). The journeys' shared steps are in tests/frontend/helpers.py.
"""
from __future__ import annotations

import json
import math
import os
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.live import DEMO_SLUG as SLUG
from tests.live import DaphneServer, LiveDatabase, join_tokens, manage
from tests.live_clients import password_rows

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Two fake cameras (the lobby switches between them) at 10 frames a second: a dozen pages
# encode and the media server forwards video on a 2-core box, so fewer frames, fewer seconds.
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream=device-count=2,fps=10", "--use-fake-ui-for-media-stream", "--headless", "--no-sandbox",
    "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic",
]
MEDIA_TIMEOUT_MS = 20_000
# A box busy with other work can take more than Playwright's default 5 s to show a change.
expect.set_options(timeout=10_000)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class LiveSite:
    """A running daphne with the demo academy, and personal join links for everyone."""

    base_url: str
    tokens: dict[str, dict] = field(default_factory=dict)  # username -> join_links row
    db_url: str = ""  # the database the server serves (for manage.py against it)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @property
    def live_url(self) -> str:
        return self.url(f"/c/{SLUG}/live/")

    def join_path(self, username: str) -> str:
        return f"/join/{self.tokens[username]['token']}/"

    def open_join_link(self, page: Page, username: str) -> None:
        """Open ``username``'s personal join link and join as them (the link page's button:
        a plain visit of the link signs nobody in). Moderators have no link: they sign in."""
        if not self.tokens[username].get("token"):
            sign_in(page, username)
            return
        page.goto(self.join_path(username))
        with page.expect_navigation():
            page.get_by_role("button", name=f"Join as {self.tokens[username]['name']}").click()

    def participants(self, count: int) -> list[str]:
        names = sorted(u for u, row in self.tokens.items() if row["role"] == "participant")
        return names[:count]


@pytest.fixture(scope="session")
def site(live_template: LiveDatabase) -> Iterator[LiveSite]:
    """The demo academy on a database of its own (a copy of the session's migrated template:
    no second migrate and seed), served by one daphne (tests/live.py)."""
    database = live_template.clone()
    # Someone with an account who is not registered for the academy (the 403 page).
    manage(database.url, "shell", "-c", "from django.contrib.auth import get_user_model as g; "
           "u, _ = g().objects.get_or_create(username='outsider', defaults={'first_name': 'Olive', "
           "'last_name': 'Outsider'}); u.set_password('convene-demo'); u.save()")
    rows = join_tokens(database.url, limit=1000) + password_rows(database.url)
    server = DaphneServer(database.url, name="browser-tests")
    try:
        server.start()
        yield LiveSite(base_url=server.http_url, tokens={row["username"]: row for row in rows}, db_url=database.url)
    finally:
        server.kill()  # a throwaway server: no need to wait for its graceful shutdown
        if os.environ.get("CONVENE_SHOW_SERVER_LOG"):
            print(server.log_text())
        database.drop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}: run `make services`"
    assert AXE.exists(), f"{AXE} missing: run `npm ci --prefix frontend` (make test does)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def write_tone(path: Path, seconds: float = 2.0, rate: int = 48000) -> None:
    """A 440 Hz tone (Chromium loops the file): a microphone that is always speaking."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * i / rate)))
                                 for i in range(int(seconds * rate))))


@pytest.fixture(scope="session")
def media_browser(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Chromium for the video journeys: the plenary forwards the most recent *active speakers*,
    and Chromium's default fake microphone only beeps for 20 ms twice a second (never
    "speaking"), so this one plays a continuous tone."""
    tone = tmp_path_factory.mktemp("media") / "tone.wav"
    write_tone(tone)
    extra = [f"--use-file-for-fake-audio-capture={tone}"]
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra])
    yield chromium
    chromium.close()


# Every page asks the fake camera for 640×360 rather than the client's 1280×720: a quarter of
# the pixels to encode and forward, and a dozen pages share two cores here.
SMALL_CAMERA = """(() => {
  const md = navigator.mediaDevices;
  if (!md?.getUserMedia) return;
  const getUserMedia = md.getUserMedia.bind(md);
  md.getUserMedia = (constraints = {}) => getUserMedia(constraints.video
    ? { ...constraints, video: { ...constraints.video, width: { ideal: 640 }, height: { ideal: 360 } } } : constraints);
})();"""
# Keeps the page's RTCPeerConnections in window.convenePeers, so a test can break one.
KEEP_PEERS = """(() => {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  window.convenePeers = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.convenePeers.push(this); }
  };
})();"""


@pytest.fixture
def media_page(media_browser: Browser, site: LiveSite) -> Iterator:
    """Factory: ``username`` joined (media on) in a fresh context of the media browser."""
    contexts: list[BrowserContext] = []

    def make(username: str, viewport: dict | None = None, init_script: str | None = None) -> Page:
        context = media_browser.new_context(viewport=viewport or DESKTOP, base_url=site.base_url)
        context.set_default_timeout(MEDIA_TIMEOUT_MS)
        context.add_init_script(SMALL_CAMERA)
        context.add_init_script(KEEP_PEERS)
        if init_script:
            context.add_init_script(init_script)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and print(f"[{username} console] {m.text}"))
        page.on("pageerror", lambda e: print(f"[{username} pageerror] {e}"))
        enter_room(page, site, username)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(browser: Browser, site: LiveSite) -> Iterator:
    """Factory: a page in a fresh context (its own cookies), optionally with an init script."""
    contexts: list[BrowserContext] = []

    def make(viewport: dict | None = None, init_script: str | None = None) -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, base_url=site.base_url)
        context.set_default_timeout(10_000)
        context.add_init_script(SMALL_CAMERA)
        if init_script:
            context.add_init_script(init_script)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: m.type in {"error", "warning"} and print(f"[console {m.type}] {m.text}"))
        page.on("pageerror", lambda e: print(f"[pageerror] {e}"))
        return page

    yield make
    for context in contexts:
        context.close()


def load_axe(page: Page) -> None:
    """Put axe-core in the page (ahead of a short-lived state, to check it sooner)."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))


def axe_violations(page: Page, *, showing: str | None = None) -> list[dict]:
    """Run axe-core (WCAG 2.x A/AA + best practices) on the page; return its violations.
    ``showing``: a selector that must be visible when the run starts (a passing state, such
    as a countdown, is checked while it is there)."""
    load_axe(page)
    result = page.evaluate(
        """async (showing) => {
            const el = showing && document.querySelector(showing);
            if (showing && !(el && el.checkVisibility())) return {missing: showing};
            const result = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
            return {violations: result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + n.failureSummary)}))};
        }""",
        showing,
    )
    assert "missing" not in result, f"{result['missing']} was gone before axe could check it"
    return result["violations"]


def assert_accessible(page: Page, state: str, *, showing: str | None = None) -> None:
    violations = axe_violations(page, showing=showing)
    assert not violations, f"axe violations on {state}:\n" + json.dumps(violations, indent=2)


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def sign_in(page: Page, username: str, password: str = "convene-demo", *, go: bool = True) -> None:
    """Sign in with a password (on the sign-in page already open when ``go`` is false)."""
    if go:
        page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def open_lobby(page: Page, site: LiveSite, username: str) -> None:
    """Open a personal join link, then the live page: the lobby."""
    site.open_join_link(page, username)
    page.goto(site.live_url)
    page.get_by_role("heading", name="Ready to join?").wait_for()


def enter_room(page: Page, site: LiveSite, username: str) -> None:
    """Join link → lobby → Join: connected to the plenary."""
    open_lobby(page, site, username)
    page.locator("#join-button").click()
    wait_connected(page)


def wait_connected(page: Page) -> None:
    page.wait_for_function("() => window.convene && window.convene.store.state.net === 'open'")
