"""Property-based: whatever a client sends, it gets an error, the worker lives, nothing changes.

One live consumer session (in-process, real layer and database) serves every
generated example; before and after each one the roster, chat and hand queue
are read back from the database and must be identical.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rooms.models import ChatMessage, Presence, RaisedHand
from signaling.protocol import CLIENT_TYPES, ProtocolError, parse_client_message
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import LoopSession, running

KNOWN = sorted(CLIENT_TYPES)
FIELDS = ["type", "id", "text", "space", "seq", "after_seq", "participant_id", "camera", "mic", "v"]
# Change state or reply: every "…sync" (chat, captions, polls, recording, breakouts) answers with state.
SAFE_WHEN_VALID = {"ping", "chat.send", "hand.raise", "presence.update"} | {
    t for t in CLIENT_TYPES if t.endswith("sync")}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


malformed = st.text(max_size=200).filter(_not_json) | st.binary(min_size=1, max_size=200)
oversized = st.integers(64 * 1024 + 1, 80_000).map(lambda n: json.dumps({"type": "chat.send", "text": "a" * n}))
random_dicts = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), json_values, max_size=6)
typed_dicts = st.builds(lambda kind, rest: {**rest, "type": kind}, st.sampled_from(KNOWN), random_dicts)
out_of_order = st.sampled_from([  # well-formed, but about things that are not there
    {"type": "hand.lower"},
    {"type": "chat.sync", "space": "room-404", "after_seq": 0},
    {"type": "chat.send", "space": "room-404", "text": "hello?"},
    {"type": "chat.delete", "space": "plenary", "seq": 99},
    {"type": "hand.invite", "participant_id": 1},
    {"type": "broadcast.send", "text": "not a moderator"},
]).map(json.dumps)
frames = malformed | oversized | out_of_order | (random_dicts | typed_dicts).map(json.dumps)
moderator_out_of_order = st.builds(lambda seq, space: json.dumps({"type": "chat.delete", "space": space, "seq": seq}),
                                   st.integers(2, 10**12), st.sampled_from(["plenary", "room-404"])) | st.sampled_from([
    json.dumps({"type": "hand.lower", "participant_id": 10**9}),
    json.dumps({"type": "hand.invite", "participant_id": 10**9}),
])
# (who sends it, the frame): Maria is a participant, Jordan a moderator.
hostile = st.tuples(st.just("maria"), frames) | st.tuples(st.just("jordan"), moderator_out_of_order)


def _harmless_if_valid(frame: str | bytes) -> bool:
    """Frames our participant may legitimately send (they would change state): not hostile."""
    try:
        message = parse_client_message(frame)
    except ProtocolError:
        return False
    return message.type_name() in SAFE_WHEN_VALID and "room-404" not in str(frame)


class Session(LoopSession):
    """Maria (a participant) in the plenary, where James has raised his hand and chatted."""

    async def open(self) -> None:
        await super().open()
        await self.james.send("hand.raise")
        await self.james.send("chat.send", text="already here")
        for client in self.clients:
            await client.expect("hand.queue")
            await client.expect("chat.message")
            await client.expect("presence.changed", lambda m: m["participant"]["hand_raised"])
            client.seen.clear()


@database_sync_to_async
def snapshot() -> tuple[list[Any], ...]:
    return (list(Presence.objects.order_by("channel_name").values_list("channel_name", "space", "camera", "mic")),
            list(ChatMessage.objects.order_by("space", "seq").values_list("space", "seq", "text", "deleted_at")),
            list(RaisedHand.objects.order_by("raised_at").values_list("participant_id", "space")))


@pytest.fixture
def session(small: SmallConvening, layer: str, settings) -> Iterator[Session]:  # noqa: ANN001
    settings.RATE_LIMIT_BURST = 100_000  # hundreds of frames in a few seconds are the point here
    yield from running(Session(small))


@hypothesis_settings(max_examples=100, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sent=hostile)
def test_hostile_frames_get_an_error_and_change_nothing(session: Session, sent: tuple[str, str | bytes]) -> None:
    who, frame = sent
    assume(who == "jordan" or not _harmless_if_valid(frame))
    sender = session.jordan if who == "jordan" else session.maria

    async def check() -> None:
        before = await snapshot()
        await sender.send_raw(frame)
        error = await sender.expect("error")
        assert error["code"] in {"invalid_json", "unknown_type", "invalid_message", "too_large", "chat_too_long",
                                 "forbidden", "not_found", "protocol_version",
                                 "not_in_room", "room_not_open", "illegal_transition",  # breakouts
                                 "unknown_participant", "malformed_sdp", "sdp_too_large", "no_media",  # media
                                 "bad_track_label", "too_many_tracks"}, error
        await sender.barrier()  # the connection (and the worker) carry on
        assert await snapshot() == before
        await session.james.barrier()
        unexpected = [m["type"] for m in session.james.seen if m["type"] not in ("presence.joined",)]
        session.james.seen.clear()
        assert unexpected == []

    session.run(check())
