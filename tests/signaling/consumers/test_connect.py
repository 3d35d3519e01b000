"""Who may open the live websocket, and what they learn first."""
from __future__ import annotations

import pytest
from django.test import Client

from convenings import joinlinks
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SLUG, SmallConvening

pytestmark = pytest.mark.asyncio


async def _refused(connect: Connect, code: int, **kwargs: object) -> str:
    client = await connect(welcome=False, **kwargs)
    closed = await client.expect_close()
    assert closed.code == code
    assert closed.reason, "a refusal says why"
    error = client.take("error")[0]  # said first, since daphne drops close reasons
    assert error["message"] == closed.reason
    return error["code"]


async def test_no_session_and_no_token_is_4401(connect: Connect) -> None:
    assert await _refused(connect, 4401) == "unauthenticated"


async def test_bad_token_is_4401_with_the_link_problem(connect: Connect) -> None:
    assert await _refused(connect, 4401, token="not-a-real-token") == "unauthenticated"


async def test_revoked_token_is_4401(connect: Connect, small: SmallConvening) -> None:
    token = small.token("maria")
    await joinlinks_revoke(small, "maria")
    assert await _refused(connect, 4401, token=token) == "unauthenticated"


async def joinlinks_revoke(small: SmallConvening, name: str) -> None:
    from channels.db import database_sync_to_async

    await database_sync_to_async(joinlinks.revoke)(small[name])


async def test_not_registered_for_this_convening_is_4403(connect: Connect) -> None:
    assert await _refused(connect, 4403, who="outsider") == "forbidden"


async def test_unknown_convening_is_4404(connect: Connect) -> None:
    assert await _refused(connect, 4404, who="maria", slug="no-such-convening") == "not_found"


async def test_session_login_is_enough(connect: Connect, small: SmallConvening) -> None:
    from channels.db import database_sync_to_async

    def session_cookie() -> bytes:
        browser = Client()
        browser.force_login(small["maria"].participant.user)
        return f"sessionid={browser.cookies['sessionid'].value}".encode()

    cookie = await database_sync_to_async(session_cookie)()
    client = await connect(headers=[(b"cookie", cookie)])
    assert client.welcome["you"]["name"] == "Maria Garcia"


async def test_welcome_says_who_you_are_who_is_here_and_the_limits(connect: Connect, small: SmallConvening) -> None:
    await connect("jordan")
    maria = await connect("maria")
    welcome = maria.welcome
    assert welcome["protocol_version"] == 1
    assert welcome["convening"] == {"slug": SLUG, "title": "North Coast Roundtable"}
    assert welcome["you"] == {"participant_id": small.pid("maria"), "name": "Maria Garcia",
                              "school": "Cedar Elementary", "job_role": "principal", "role": "participant",
                              "permissions": ["chat", "raise_hand", "share_camera_mic"]}
    assert welcome["space"] == "plenary"
    roster = {entry["name"]: entry for entry in welcome["roster"]}
    assert set(roster) == {"Jordan Ellis", "Maria Garcia"}
    assert roster["Jordan Ellis"] == {
        "participant_id": small.pid("jordan"), "name": "Jordan Ellis", "school": "Cedar Elementary",
        "job_role": "district_leader", "role": "moderator", "space": "plenary", "hand_raised": False,
        "camera": False, "mic": False, "connections": 1}
    assert welcome["hands"] == [] and welcome["chat"] == []
    assert welcome["limits"]["chat_max_chars"] == 2000


async def test_moderator_permissions_are_listed(connect: Connect) -> None:
    jordan = await connect("jordan")
    assert {"broadcast", "delete_chat", "invite_to_speak", "lower_any_hand"} <= set(jordan.welcome["you"]["permissions"])
