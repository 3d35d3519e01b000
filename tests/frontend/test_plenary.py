"""The plenary: people, chat that survives a dropped connection, hands, invitations,
moderator notices, errors next to the control that caused them — all axe-clean."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import PHONE, assert_accessible, enter_room, open_lobby, screenshot, wait_connected

pytestmark = pytest.mark.browser


def chat_texts(page: Page) -> list[str]:
    return page.locator("#chat-log .chat-msg:not(.pending) .chat-text").all_inner_texts()


def send_chat(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Message everyone").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


def person(page: Page, site, username: str):
    return page.locator(f"#people [data-participant-id='{site.tokens[username]['participant_id']}']")


def lobby_identity(page: Page) -> dict[str, str]:
    """What the lobby says you'll appear as ("… from <school> · <job role>"), from the server."""
    identity = page.locator(".identity")
    return {"name": identity.locator("#you-name").inner_text(), "school": identity.locator("strong").nth(1).inner_text(),
            "job_role": identity.locator(".meta").inner_text().lstrip("· ").strip()}


def test_two_participants_meet_and_chat_through_a_dropped_connection(new_page, site) -> None:
    tag = uuid.uuid4().hex[:6]
    a, b = new_page(), new_page()
    identity = {}
    for page, username in ((a, "leader07"), (b, "leader08")):
        open_lobby(page, site, username)
        identity[username] = lobby_identity(page)
        page.locator("#join-button").click()
        wait_connected(page)
    name_a, name_b = site.tokens["leader07"]["name"], site.tokens["leader08"]["name"]
    expect(a.locator("#quality")).to_have_text(re.compile(r"Connection good \(\d+ ms\)"), timeout=15_000)

    # Each sees the other in the participant list, with school and job role.
    for page, other in ((a, "leader08"), (b, "leader07")):
        page.get_by_role("tab", name="People").click()
        entry = person(page, site, other)
        expect(entry.locator(".person-name")).to_contain_text(identity[other]["name"])
        expect(entry.locator(".person-detail")).to_have_text(f"{identity[other]['school']} · {identity[other]['job_role']}")
        expect(page.locator("#people-summary")).to_contain_text("people here")
        page.get_by_role("tab", name="Chat").click()
    b.get_by_role("tab", name="People").click()
    b.get_by_label("Find people").fill(name_a.split()[0])
    expect(person(b, site, "leader07")).to_be_visible()
    expect(b.locator("#people-summary")).to_contain_text("Showing")
    b.get_by_role("tab", name="Chat").click()

    # Chat both ways.
    send_chat(a, f"Hello from A {tag}")
    expect(b.locator("#chat-log")).to_contain_text(f"Hello from A {tag}")
    send_chat(b, f"Hello back from B {tag}")
    expect(a.locator("#chat-log")).to_contain_text(f"Hello back from B {tag}")
    expect(a.locator("#chat-log .chat-msg", has_text=f"Hello back from B {tag}")).to_contain_text(name_b)

    # A's connection drops; B keeps talking; A writes while offline.
    a.context.set_offline(True)
    expect(a.locator("#reconnect-banner")).to_contain_text("Reconnecting")
    expect(a.locator("#quality")).to_contain_text("Reconnecting")
    assert_accessible(a, "plenary: reconnecting banner", showing="#reconnect-banner")
    missed = [f"While you were away {i} {tag}" for i in range(1, 4)]
    for text in missed:
        send_chat(b, text)
        expect(b.locator("#chat-log")).to_contain_text(text)
    send_chat(a, f"Written offline by A {tag}")
    expect(a.locator("#chat-log .pending")).to_contain_text("Will send when reconnected")

    a.context.set_offline(False)
    expect(a.locator("#reconnect-banner")).to_contain_text("Reconnected")
    for text in missed:
        expect(a.locator("#chat-log")).to_contain_text(text)
    expect(b.locator("#chat-log")).to_contain_text(f"Written offline by A {tag}")
    expect(a.locator("#chat-log .pending")).to_have_count(0)

    # Nothing lost, nothing twice, in order — on both sides.
    expected = [f"Hello from A {tag}", f"Hello back from B {tag}", *missed, f"Written offline by A {tag}"]
    for page in (a, b):
        mine = [t for t in chat_texts(page) if tag in t]
        assert mine == expected, mine

    # A socket the browser closes by itself (no offline event) recovers too, and syncs.
    a.evaluate("() => window.convene.net.ws.close()")
    send_chat(b, f"After the second drop {tag}")
    wait_connected(a)
    expect(a.locator("#chat-log")).to_contain_text(f"After the second drop {tag}")
    assert [t for t in chat_texts(a) if tag in t].count(f"After the second drop {tag}") == 1


def test_hands_invitations_and_notices(new_page, site) -> None:
    tag = uuid.uuid4().hex[:6]
    participant, moderator = new_page(), new_page()
    enter_room(participant, site, "leader09")
    enter_room(moderator, site, "moderator1")
    name = site.tokens["leader09"]["name"]

    # Participants can't share their screen, and are told why.
    share = participant.get_by_role("button", name="Share screen")
    expect(share).to_have_attribute("aria-disabled", "true")
    share.focus()  # still focusable (aria-disabled), so keyboard users find the explanation
    share.press("Enter")
    expect(participant.locator("#share-why")).to_have_text("Only presenters and moderators can share their screen.")

    participant.get_by_role("button", name="Raise hand").click()
    expect(participant.get_by_role("button", name="Lower hand")).to_be_visible()
    expect(participant.locator("#announce-polite")).to_contain_text("Your hand is raised")

    # The moderator sees the queue, in the People tab.
    moderator.get_by_role("tab", name="People").click()
    entry = moderator.locator("#hand-queue .queue-item", has_text=name)
    expect(entry).to_be_visible()
    expect(moderator.locator("#queue-count")).not_to_have_text("0")
    expect(moderator.locator("#hands-badge")).to_have_attribute("aria-label", re.compile(r"^\d+ raised hands?$"))
    expect(person(moderator, site, "leader09").get_by_role("img", name="hand raised")).to_be_visible()
    assert_accessible(moderator, "moderator hand queue")
    screenshot(moderator, "moderator-queue.png")

    entry.get_by_role("button", name=f"Invite to speak: {name}").click()
    prompt = participant.locator("#invite-prompt")
    expect(prompt).to_contain_text("invited you to speak")
    expect(participant.locator("#announce-assertive")).to_contain_text("invited you to speak")
    expect(participant.get_by_role("button", name="Raise hand")).to_be_visible()  # lowered on invitation
    expect(moderator.locator("#hand-queue .queue-item", has_text=name)).to_have_count(0)

    # A moderator's notice reaches everyone as a banner, and is spoken.
    moderator.get_by_label("Notice to everyone").fill(f"Breakouts start in 5 minutes {tag}")
    moderator.get_by_role("button", name="Send notice").click()
    banner = participant.locator("#notices .banner", has_text=f"Breakouts start in 5 minutes {tag}")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Notice from")
    expect(participant.locator("#announce-assertive")).to_contain_text(f"Breakouts start in 5 minutes {tag}")

    send_chat(participant, f"Thanks, I'll speak after the slides {tag}")
    expect(moderator.locator("#chat-log")).to_contain_text(f"I'll speak after the slides {tag}")
    participant.get_by_role("tab", name="People").click()
    assert_accessible(participant, "plenary: people, notice banner, invitation")
    participant.get_by_role("tab", name="Chat").click()
    assert_accessible(participant, "plenary: chat, notice banner, invitation")

    prompt.get_by_role("button", name="Speak now").click()
    expect(prompt).to_be_hidden()

    # A moderator can lower someone's hand, and that person is told.
    participant.get_by_role("button", name="Raise hand").click()
    moderator.get_by_role("tab", name="People").click()
    moderator.get_by_role("button", name=f"Lower hand: {name}").click()
    expect(participant.get_by_role("button", name="Raise hand")).to_be_visible()
    expect(participant.locator("#announce-polite")).to_have_text("A moderator lowered your hand.")
    expect(moderator.locator("#queue-empty")).to_be_visible()
    expect(moderator.locator("#queue-title")).to_be_focused()  # focus stays in the queue

    # Moderators can remove a chat message for everyone; participants can't.
    expect(participant.locator("#chat-log .chat-delete")).to_have_count(0)
    moderator.get_by_role("tab", name="Chat").click()
    message = moderator.locator("#chat-log .chat-msg", has_text=f"I'll speak after the slides {tag}")
    message.get_by_role("button", name=f"Delete message from {name}").click()
    removed = participant.locator("#chat-log .chat-msg.deleted")
    expect(removed.last).to_have_text(re.compile("Message removed by a moderator"))
    expect(participant.locator("#chat-log")).not_to_contain_text(f"I'll speak after the slides {tag}")


def test_errors_show_next_to_the_control(new_page, site) -> None:
    page = new_page()
    enter_room(page, site, "leader10")
    too_long = "x" * 2001
    # The client knows the limit and says so before sending...
    send_chat(page, too_long)
    expect(page.locator("#chat-error")).to_contain_text("Message too long")
    expect(page.locator("#chat-counter")).to_have_text("2,001 / 2,000")
    page.get_by_role("textbox", name="Message everyone").fill("")
    expect(page.locator("#chat-error")).to_be_empty()
    # ...and when the server refuses (here: faster than its rate limit allows), its
    # error comes back by reference and shows next to the chat box, text kept.
    box = page.get_by_role("textbox", name="Message everyone")
    for i in range(30):
        box.fill(f"quick message {i}")
        box.press("Enter")
        if page.locator("#chat-error").inner_text():
            break
    expect(page.locator("#chat-error")).to_contain_text("You're sending too fast")
    expect(box).to_have_value(re.compile(r"quick message \d+"))
    assert_accessible(page, "plenary with an inline error")


def test_plenary_on_a_phone(new_page, site) -> None:
    page = new_page(viewport=PHONE)
    enter_room(page, site, "leader11")
    expect(page.locator("#side")).to_be_hidden()
    expect(page.get_by_role("button", name="Leave")).to_be_in_viewport()
    assert_accessible(page, "plenary on a phone")
    page.get_by_role("button", name="Chat & people").click()
    expect(page.get_by_role("textbox", name="Message everyone")).to_be_in_viewport()
    assert_accessible(page, "plenary on a phone, panel open")
    page.get_by_role("button", name="Leave").click()
    expect(page.get_by_role("heading", name="You left the convening")).to_be_visible()
    assert_accessible(page, "you left (on a phone)")
