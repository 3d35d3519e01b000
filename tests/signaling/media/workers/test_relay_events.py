"""The media worker's door (signaling.media.relay.MediaWorker): a request it cannot read is
logged and dropped (answered ``bad_request`` at once when it says where to), and the worker goes
on serving; every ``media.rpc`` and ``media.event`` survives the channel layer's serializer."""
from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

import pytest
from channels_redis.serializers import MsgPackSerializer

from signaling.layers import LocalChannelLayer
from signaling.media import errors
from signaling.media.hub import create_hub
from signaling.media.placement import Placement, worker_channel
from signaling.media.relay import MediaWorker
from signaling.protocol.internal import InternalEvent, parse
from signaling.protocol.internal import media as rpc
from tests.services import TEST_REDIS_URL


async def _answer(layer: LocalChannelLayer, channel: str) -> rpc.Result:
    answer = parse(rpc.MEDIA_EVENTS, await asyncio.wait_for(layer.receive(channel), 10), "test")
    assert isinstance(answer, rpc.Result)
    return answer


@pytest.mark.redis
@pytest.mark.asyncio
async def test_a_malformed_request_is_refused_and_the_worker_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    layer = LocalChannelLayer()
    placement = Placement(TEST_REDIS_URL, f"convene-test-relay-{secrets.token_hex(3)}")
    worker = MediaWorker("w1", create_hub(), layer, placement)
    stop = asyncio.Event()
    serving = asyncio.create_task(worker.run(stop))
    try:
        reply, channel = await layer.new_channel(), worker_channel("w1")
        await layer.send(channel, {"type": "media.rpc", "op": "join", "call": 1, "reply": reply})  # no space
        refused = await _answer(layer, reply)
        assert (refused.call, refused.ok, refused.code) == (1, False, errors.BAD_REQUEST)
        await layer.send(channel, {"type": "media.rpc", "op": "no_such_op"})  # nobody to tell: dropped
        await layer.send(channel, rpc.Activity(keys=["convene.1.room-2"], call=2, reply=reply).to_event())
        served = await _answer(layer, reply)
        quiet = {"people": [], "heard": [], "trouble": []}  # nobody has media there
        assert (served.call, served.ok, served.result) == (2, True, {"convene.1.room-2": quiet})  # still serving
        dropped = [r for r in caplog.records if r.levelno == logging.WARNING and "dropped a" in r.getMessage()]
        assert len(dropped) == 2
    finally:
        stop.set()
        await serving
        await placement.close()


EXAMPLES: list[InternalEvent] = [
    rpc.Join(media_id="m1", key="convene.1.plenary", large=True, role="participant", call=3, reply="r"),
    rpc.Offer(media_id="m1", sdp="v=0", labels={"0": "camera"}, call=4, reply="r"),
    rpc.Candidate(media_id="m1", candidate=None), rpc.Visible(media_id="m1", hidden=["7"]),
    rpc.Leave(media_id="m1"), rpc.Captions(key="convene.1.plenary", on=True),
    rpc.Listen(media_id="m1", key=None), rpc.Speak(media_id="m1", keys=["a", "b"]),
    rpc.Result(call=5, ok=False, code="media_unavailable", message="gone"),
    rpc.Signal(media_id="m1", signal={"kind": "tracks", "tracks": [{"mid": "0", "participant_id": "7"}]}),
    rpc.AllowScreen(allowed=True),
]


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: f"{e.type}:{getattr(e, 'op', getattr(e, 'kind', ''))}")
def test_every_media_message_survives_the_channel_layer(event: InternalEvent) -> None:
    serializer = MsgPackSerializer()
    adapter: Any = rpc.MEDIA_RPCS if event.type == rpc.MEDIA_RPC else rpc.MEDIA_EVENTS
    assert parse(adapter, serializer.deserialize(serializer.serialize(event.to_event())), "test") == event
