"""Internal events (signaling.protocol.internal) arriving from the channel layer: a malformed one
(a bug, or a process of another version) is logged and dropped, at the worker's fan-out and at
the connection, and both go on serving."""
from __future__ import annotations

import logging
from typing import Any

import pytest
from channels.layers import get_channel_layer
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms.actions.publish import participant_group
from signaling.consumers.fanout import hub_for
from signaling.layers import LocalChannelLayer
from signaling.protocol.internal import DELIVER_EVENT, Deliver, InternalEvent, parse
from signaling.protocol.internal.breakouts import BREAKOUTS_EVENT
from signaling.protocol.internal.media import MEDIA_EVENTS, MEDIA_RPCS, AllowScreen
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.test_fanout import Sink, _until

# Each breaks its model a different way; the second is the old JSON-inside-JSON shape.
MALFORMED: list[dict[str, Any]] = [
    {"type": "breakouts.event", "kind": "follow"},
    {"type": "breakouts.event", "version": 7, "moves": '{"2": "room-1"}', "public": [], "staff": []},
    {"type": "breakouts.event", "kind": "lines", "public": "not a list of messages"},
    {"type": "deliver", "text": 5},
    {"type": "deliver"},
]
TO_A_PERSON: list[dict[str, Any]] = [
    *MALFORMED,
    {"type": "media.event", "kind": "allow_screen", "allowed": "perhaps"},
    {"type": "media.event", "kind": "signal", "media_id": "m1", "signal": {"no such field": 1}},
    {"type": "media.event", "kind": "result"},
    {"type": "no.such.event"},
]


def _dropped(caplog: pytest.LogCaptureFixture) -> int:
    return sum("dropped a" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


@pytest.mark.asyncio
async def test_the_workers_fan_out_drops_a_malformed_event_and_serves_the_next(caplog: pytest.LogCaptureFixture) -> None:
    layer = LocalChannelLayer()
    hub = hub_for(layer)
    sinks = [Sink("a", 1), Sink("b", 2, staff=True)]
    for sink in sinks:
        await hub.join("convening.1", sink.member)
    for bad in MALFORMED:
        await layer.group_send("convening.1", bad)
    await layer.group_send("convening.1", Deliver(text="after").to_event())
    await _until(lambda: all(s.frames for s in sinks))
    assert all(s.frames == ["after"] and s.events == [] for s in sinks)
    assert _dropped(caplog) == len(MALFORMED)
    for sink in sinks:
        await hub.leave("convening.1", sink.member)


@pytest.mark.asyncio
async def test_a_connection_drops_malformed_events_and_goes_on(
        connect: Connect, small: SmallConvening, caplog: pytest.LogCaptureFixture) -> None:
    maria = await connect("maria")
    layer = get_channel_layer()
    her_tabs = participant_group(small.convening.id, small.pid("maria"))
    for bad in TO_A_PERSON:
        await layer.group_send(her_tabs, bad)
    await layer.group_send(her_tabs, AllowScreen(allowed=True).to_event())
    assert (await maria.expect("media.screen_allowed"))["allowed"] is True  # the events before it: dropped
    await maria.send("chat.send", text="still here")
    assert (await maria.expect("chat.message"))["text"] == "still here"
    assert _dropped(caplog) == len(TO_A_PERSON)


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=10)
_fields = st.sampled_from(["type", "kind", "op", "space", "text", "public", "staff", "moves", "call", "reply",
                           "media_id", "allowed", "signal", "key", "keys", "version"])


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["deliver", "breakouts.event", "media.event", "media.rpc"]),
       tag=st.sampled_from([None, "follow", "lines", "result", "signal", "allow_screen", "join", "activity", "x"]),
       rest=st.dictionaries(_fields, _json, max_size=6))
def test_any_event_off_the_layer_is_a_model_or_dropped_never_an_exception(kind: str, tag: str | None,
                                                                         rest: dict[str, Any]) -> None:
    event = {**rest, "type": kind, **({"kind": tag, "op": tag} if tag else {})}
    for adapter in (DELIVER_EVENT, BREAKOUTS_EVENT, MEDIA_EVENTS, MEDIA_RPCS):
        parsed = parse(adapter, event, "test")
        assert parsed is None or isinstance(parsed, InternalEvent)
