"""Room activity as it crosses from a media worker to a web worker: through the channel layer's
own serializer (msgpack, whose maps want string keys), as ages (a worker's monotonic clock means
nothing in another process, maybe on another machine)."""
from __future__ import annotations

import pytest
from channels_redis.serializers import MsgPackSerializer

from signaling.media.hub import SpaceMedia
from signaling.media.relay_spaces import _from_wire, _to_wire
from signaling.protocol.internal import parse
from signaling.protocol.internal.media import MEDIA_EVENTS, Result


def test_room_activity_survives_the_channel_layer_on_the_receivers_clock() -> None:
    on_worker = SpaceMedia(people=frozenset({7, 9, 12}), heard={7: 998.5, 12: 990.0}, trouble=frozenset({9}))
    serializer = MsgPackSerializer()
    sent = Result(call=1, result={"convene.1.room-2": _to_wire(on_worker, now=1000.0)})
    event = parse(MEDIA_EVENTS, serializer.deserialize(serializer.serialize(sent.to_event())), "test")

    assert isinstance(event, Result)
    on_web = _from_wire(event.result["convene.1.room-2"], now=50.0)  # another process's clock
    assert on_web.people == on_worker.people and on_web.trouble == on_worker.trouble
    assert on_web.heard == {7: pytest.approx(48.5), 12: pytest.approx(40.0)}  # 1.5 s and 10 s ago
