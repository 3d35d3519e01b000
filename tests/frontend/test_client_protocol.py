"""The client's side of the protocol, run in the browser against the server's own
/protocol.js: every documented example validates, broken messages don't, outgoing
messages are built only from client types, and a bad server message is dropped
(and logged) without breaking the page."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.frontend.conftest import enter_room

pytestmark = pytest.mark.browser

CHECK_EXAMPLES = """async () => {
  const { validate } = await import('/static/convene/js/validate.js');
  const { Protocol } = await import('/static/convene/js/protocol.js');
  const mod = await import('/protocol.js');
  const protocol = new Protocol(mod);
  const report = { types: 0, examples: 0, failures: [], acceptedBroken: [], built: 0, buildFailures: [] };
  for (const [type, entry] of Object.entries(mod.SCHEMAS)) {
    report.types += 1;
    for (const example of entry.schema.examples || []) {
      report.examples += 1;
      const problems = validate(entry.schema, example);
      if (problems.length) report.failures.push({ type, problems });
      // Broken copies must not pass: a wrong type, an unknown field, a missing required field.
      const broken = [{ ...example, type: 42 }, { ...example, surprise: true }];
      const required = (entry.schema.required || []).filter((k) => k !== 'type');
      if (required.length) { const copy = { ...example }; delete copy[required[0]]; broken.push(copy); }
      for (const b of broken) if (!validate(entry.schema, b).length) report.acceptedBroken.push({ type, b });
      if (entry.direction === 'client') {
        const { type: _t, id: _id, ...fields } = example;
        try { protocol.build(type, fields); report.built += 1; } catch (e) { report.buildFailures.push({ type, e: e.message }); }
      }
    }
  }
  const refuses = (fn) => { try { fn(); return false; } catch { return true; } };
  report.refusesServerType = refuses(() => protocol.build('welcome', {}));
  report.refusesUnknown = refuses(() => protocol.build('no.such.type', {}));
  report.refusesTooLong = refuses(() => protocol.build('chat.send', { text: 'x'.repeat(mod.LIMITS.chat_max_chars + 1) }));
  report.unknownIncoming = protocol.checkIncoming({ type: 'no.such.type' }).ok;
  report.version = protocol.build('hand.raise').v === mod.PROTOCOL_VERSION;
  return report;
}"""


def test_every_documented_message_validates_and_broken_ones_do_not(new_page, site) -> None:
    page: Page = new_page()
    page.goto("/")
    report = page.evaluate(CHECK_EXAMPLES)
    assert report["types"] >= 20 and report["examples"] >= report["types"]
    assert report["failures"] == []
    assert report["acceptedBroken"] == []
    assert report["buildFailures"] == [] and report["built"] > 0
    assert report["refusesServerType"] and report["refusesUnknown"] and report["refusesTooLong"]
    assert report["unknownIncoming"] is False
    assert report["version"] is True


def test_backoff_grows_with_jitter_and_is_capped(new_page, site) -> None:
    page: Page = new_page()
    page.goto("/")
    delays = page.evaluate("""async () => {
      const { backoffDelay } = await import('/static/convene/js/connection.js');
      const { ordinal } = await import('/static/convene/js/hands.js');
      return { low: [0, 1, 2, 10, 30].map((a) => backoffDelay(a, () => 0)),
               high: [0, 1, 2, 10, 30].map((a) => backoffDelay(a, () => 0.999999)),
               ordinals: [1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal) };
    }""")
    assert delays["low"] == [250] * 5  # full jitter: any wait from a quarter second up
    assert delays["high"] == [750, 1250, 2250, 15250, 15250]
    assert delays["ordinals"] == ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]


def test_invalid_server_messages_are_logged_and_dropped(new_page, site) -> None:
    page: Page = new_page()
    warnings: list[str] = []
    page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    enter_room(page, site, "leader13")
    page.evaluate("""() => {
      const net = window.convene.net;
      net.receive('not json at all');
      net.receive(JSON.stringify({ type: 'chat.message', space: 'plenary', seq: 'seven', text: 'bad', at: 'x' }));
      net.receive(JSON.stringify({ type: 'from.the.future', hello: 1 }));
    }""")
    expect(page.locator("#chat-log")).not_to_contain_text("bad")
    assert any("not JSON" in w for w in warnings), warnings
    assert any("dropped invalid server message" in w and "seq" in w for w in warnings), warnings
    assert any("unknown server message type from.the.future" in w for w in warnings), warnings
    # Still connected and working.
    page.get_by_role("textbox", name="Message everyone").fill("Still here")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#chat-log .chat-msg:not(.pending)", has_text="Still here")).to_be_visible()


def test_a_batch_frame_is_handled_message_by_message(new_page, site) -> None:
    """The server coalesces roster updates into one `batch` frame: each part counts on its
    own (in order), and a broken part is dropped without losing the others."""
    page: Page = new_page()
    warnings: list[str] = []
    page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    enter_room(page, site, "leader20")
    page.evaluate("""() => {
      const entry = (id, name) => ({ participant_id: id, name, school: 'Batch School', job_role: 'teacher',
        role: 'participant', space: 'plenary', hand_raised: false, camera: false, mic: false, connections: 1 });
      window.convene.net.receive(JSON.stringify({ type: 'batch', messages: [
        { type: 'presence.joined', participant: entry(90001, 'Batch Person One') },
        { type: 'presence.joined', participant: { participant_id: 'broken' } },
        { type: 'presence.joined', participant: entry(90002, 'Batch Person Two') },
        { type: 'presence.left', participant_id: 90001 },
      ] }));
    }""")
    page.get_by_role("tab", name="People").click()
    expect(page.locator("#people")).to_contain_text("Batch Person Two")
    expect(page.locator("#people")).not_to_contain_text("Batch Person One")
    assert any("dropped invalid server message" in w for w in warnings), warnings
