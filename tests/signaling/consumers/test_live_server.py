"""The real thing over real sockets: one daphne worker, in-memory layer."""
from __future__ import annotations

import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed

from tests.live import DaphneServer, LiveDatabase, WsClient, join_tokens

pytestmark = pytest.mark.live


@pytest.mark.asyncio
async def test_refusals_close_with_their_codes_over_the_wire(live_server: DaphneServer) -> None:
    for token, code in (("", 4401), ("forged", 4401)):
        client = await WsClient.open(live_server, token)
        error = await client.expect("error")
        assert error["code"] == "unauthenticated" and error["message"]
        with pytest.raises(ConnectionClosed) as closed:
            await client.expect("welcome", timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code


@pytest.mark.asyncio
async def test_unknown_convening_is_4404(live_server: DaphneServer, live_db: LiveDatabase) -> None:
    token = join_tokens(live_db.url, role="participant", limit=1)[0]["token"]
    client = await WsClient.open(live_server, token, slug="no-such-academy")
    assert (await client.expect("error"))["code"] == "not_found"
    with pytest.raises(ConnectionClosed) as closed:
        await client.expect("welcome")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


@pytest.mark.asyncio
async def test_chat_between_two_browsers(live_server: DaphneServer, live_db: LiveDatabase) -> None:
    first, second = join_tokens(live_db.url, role="presenter", limit=2)
    a = await WsClient.open(live_server, first["token"])
    b = await WsClient.open(live_server, second["token"])
    await a.expect("welcome")
    await b.expect("welcome")
    await a.expect("presence.joined", lambda m: m["participant"]["participant_id"] == second["participant_id"])
    await b.send("chat.send", text="Hello from the second presenter")
    message = await a.expect("chat.message", lambda m: m["text"] == "Hello from the second presenter")
    assert message["author"]["participant_id"] == second["participant_id"]
    await a.close()
    await b.close()


def test_protocol_module_is_served(live_server: DaphneServer) -> None:
    with urllib.request.urlopen(f"{live_server.http_url}/protocol.js", timeout=5) as response:
        body = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/javascript")
    assert "export const SCHEMAS" in body and "export const PROTOCOL_VERSION = 1;" in body


@pytest.mark.asyncio
async def test_frames_go_straight_to_daphnes_sockets(live_server: DaphneServer, live_db: LiveDatabase) -> None:
    """The direct writes (signaling.consumers.direct_write) recognise the real daphne."""
    from signaling.consumers.direct_write import ANNOUNCED

    client = await WsClient.open(live_server, join_tokens(live_db.url, role="presenter", limit=1)[0]["token"])
    await client.expect("welcome")
    await client.send("chat.send", text="straight to the socket")
    await client.expect("chat.message", lambda m: m["text"] == "straight to the socket")
    await client.close()
    assert ANNOUNCED in live_server.log_text()
