"""The control tower in Chromium: from the plenary a moderator sees a room's activity (who
speaks, Top 5 progress) in "Live rooms", then speaks by voice to all rooms; a participant in
a room (a second browser context, fake microphone) gets the banner, announced, and hears the
moderator's audio. axe-core clean on both sides."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.frontend.conftest import LiveSite, assert_accessible
from tests.frontend.helpers import close_rooms, generate_plan, name, open_rooms, pid
from tests.frontend.test_media import AUDIO_PLAYS, HEARD

pytestmark = pytest.mark.browser
MODERATOR, PARTICIPANT = "moderator2", "leader70"


def test_moderator_sees_room_activity_and_speaks_to_all_rooms(media_page, site: LiveSite) -> None:
    mod = media_page(MODERATOR)
    close_rooms(mod)
    person = media_page(PARTICIPANT)
    try:
        generate_plan(mod, rooms=2)
        open_rooms(mod, minutes=10, mode="self_select")
        room = mod.evaluate("() => convene.store.state.breakouts.rooms.find((r) => r.state === 'open')")
        mod.evaluate("([id, key]) => convene.net.trySend('breakout.move', {participant_id: id, room: key})",
                     [pid(site, PARTICIPANT), room["key"]])
        expect(person.locator("#breakout-name")).to_have_text(room["name"])

        # The room's line: the participant speaks (the fake microphone's tone), Top 5 at 0/5.
        line = mod.locator(f"#ov-rooms [data-activity-room='{room['key']}']")
        expect(line).to_contain_text(f"Speaking: {name(site, PARTICIPANT)}", timeout=20_000)
        expect(line).to_contain_text("Top 5: 0/5")
        assert_accessible(mod, "the control tower with a room's activity")

        mod.get_by_role("button", name="Speak to all rooms").click()
        banner = person.locator("#tower-banner")
        expect(banner).to_have_text(f"Moderator {name(site, MODERATOR)} speaking to all rooms")
        expect(person.locator("#announce-assertive")).to_contain_text(re.compile("speaking to all rooms"))
        # The moderator's voice plays in the room, and it is not silence.
        person.wait_for_function(AUDIO_PLAYS, arg=pid(site, MODERATOR), timeout=20_000)
        loudest = person.evaluate(HEARD, pid(site, MODERATOR))
        assert loudest > 0.01, f"silence from the moderator: {loudest}"
        expect(mod.get_by_role("button", name="Stop speaking")).to_be_visible()
        assert_accessible(person, "a room hearing the moderator speak to all rooms", showing="#tower-banner")

        mod.get_by_role("button", name="Stop speaking").click()
        expect(banner).to_be_hidden()
        expect(mod.get_by_role("button", name="Speak to all rooms")).to_be_visible()
    finally:
        close_rooms(mod)
