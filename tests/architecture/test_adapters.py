"""The adapters to other libraries' internals (signaling.adapters) fit what is installed, and when
they do not, Convene degrades instead of going down: media says it is unavailable, websocket
frames take the ordinary ASGI send, and chat goes on.

``make adapters-latest`` runs this file against the newest releases (pins ignored)."""
from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiortc import RTCRtpSender

from signaling import adapters
from signaling.consumers.direct_write import ANNOUNCED
from signaling.media.relay import ADAPTER_MISMATCH
from signaling.protocol.media import MediaOffer
from tests.live import DaphneServer, LiveDatabase, WsClient, join_tokens


@pytest.mark.parametrize("adapter", adapters.ADAPTERS, ids=lambda a: a.name)
def test_each_adapter_fits_the_installed_libraries(adapter: adapters.Adapter) -> None:
    assert adapters.problems(adapter) == []


def test_a_private_name_gone_from_aiortc_is_a_mismatch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(RTCRtpSender, "_send_keyframe")
    (problem,) = adapters.problems(adapters.MEDIA)
    assert "RTCRtpSender no longer has _send_keyframe" in problem and "passthrough" in problem


def test_another_version_is_a_mismatch_unless_pins_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONVENE_ADAPTER_PINS", raising=False)  # set by `make adapters-latest`
    monkeypatch.setattr(adapters, "version", lambda distribution: "99.0")
    assert len(adapters.problems(adapters.DIRECT_WRITES)) == len(adapters.DIRECT_WRITES.pins)
    assert "daphne 99.0 is installed; read against 4.2.3" in adapters.problems(adapters.DIRECT_WRITES)
    monkeypatch.setenv("CONVENE_ADAPTER_PINS", "ignore")
    assert adapters.problems(adapters.DIRECT_WRITES) == []


# A daphne whose libraries lost a name each adapter checks (neither is used by the libraries
# themselves on these paths): what a deployment with newer aiortc/autobahn would look like.
SITECUSTOMIZE = textwrap.dedent("""
    import aiortc.rtcrtpsender, autobahn.websocket.protocol
    del aiortc.rtcrtpsender.RTCRtpSender._send_keyframe
    del autobahn.websocket.protocol.WebSocketProtocol.sendPreparedMessage
""")


@pytest.fixture
def mismatched_server(live_db: LiveDatabase, tmp_path: Path) -> Iterator[DaphneServer]:
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE)
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH", "")) if p)
    server = DaphneServer(live_db.url, env={"PYTHONPATH": path}, name="mismatched").start()
    yield server
    server.stop()


@pytest.mark.live
@pytest.mark.asyncio
async def test_with_both_adapters_mismatched_chat_goes_on_and_media_says_unavailable(
        mismatched_server: DaphneServer, live_db: LiveDatabase) -> None:
    first, second = join_tokens(live_db.url, role="participant", limit=2)
    a = await WsClient.open(mismatched_server, first["token"])
    b = await WsClient.open(mismatched_server, second["token"])
    await a.expect("welcome")
    await b.expect("welcome")
    await b.send("chat.send", text="Frames through the ASGI send")
    await a.expect("chat.message", lambda m: m["text"] == "Frames through the ASGI send")
    offer = MediaOffer.example().model_dump(exclude={"type", "id"})
    for client in (a, b):
        await client.send("media.offer", id="m1", **offer)
        error = await client.expect_error("media_unavailable")
        assert error["message"] == ADAPTER_MISMATCH and error["ref"] == "m1"
    await a.send("chat.send", text="Still talking")
    await b.expect("chat.message", lambda m: m["text"] == "Still talking")
    await a.close()
    await b.close()
    log = mismatched_server.log_text()
    assert ANNOUNCED not in log
    assert log.count("the media adapter does not fit") == 1 and "_send_keyframe" in log
    assert log.count("the direct writes adapter does not fit") == 1 and "sendPreparedMessage" in log
