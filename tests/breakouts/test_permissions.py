"""Role × action: participants and presenters cannot run breakouts or use rooms not theirs;
a refused message changes nothing. Moderators keep every power inside any room."""
from __future__ import annotations

import pytest

from action_items.models import ActionItem
from rooms.breakout_models import BreakoutPlanDraft, LiveBreakoutState, RoomNotes
from tests.breakouts.conftest import Opened, db
from tests.breakouts.factories import LEARNING, PARENT, BreakoutSession

pytestmark = pytest.mark.asyncio


def moderator_only(s: BreakoutSession) -> list[dict]:
    pe, pl = s.room_of_topic(PARENT), s.room_of_topic(LEARNING)
    james, maria = s.small.pid("james"), s.small.pid("maria")
    return [
        {"type": "breakout.plan", "session_id": s.id, "room_count": 2},
        {"type": "breakout.plan_get", "session_id": s.id},
        {"type": "breakout.plan_edit", "session_id": s.id, "version": 1, "op": "rename_room", "room": pe, "name": "X"},
        {"type": "breakout.open", "session_id": s.id, "duration_s": 60},
        {"type": "breakout.reopen", "duration_s": 60},
        {"type": "breakout.move", "participant_id": james, "room": pe},
        {"type": "breakout.swap", "participant_id": maria, "other_participant_id": james},
        {"type": "breakout.recall", "participant_id": james},
        {"type": "breakout.visit", "room": pl},
        {"type": "breakout.return"},
        {"type": "breakout.mode", "mode": "self_select"},
        {"type": "breakout.timer", "op": "extend", "seconds": 60},
        {"type": "breakout.close"},
        {"type": "breakout.close", "room": pl},
        {"type": "breakout.close", "countdown": True},
        {"type": "breakout.broadcast", "text": "hello", "room": pl},
        {"type": "broadcast.send", "text": "hello"},
    ]


def not_my_room(s: BreakoutSession) -> list[dict]:
    """Maria is in Parent Engagement; these name Professional Learning (rooms are assigned)."""
    pl = s.room_of_topic(LEARNING)
    return [
        {"type": "breakout.choose", "room": pl},
        {"type": "chat.send", "space": pl, "text": "hi"},
        {"type": "notes.edit", "room": pl, "base_version": 0, "text": "mine"},
        {"type": "room.sync", "room": pl},
        {"type": "actions.update", "room": pl, "op": "add", "text": "x"},
        {"type": "actions.set", "room": pl, "items": ["x"]},
    ]


def _record(convening_id: int, session_id: int) -> tuple:
    live = LiveBreakoutState.objects.get(convening_id=convening_id)
    return (live.version, live.state, live.visits, BreakoutPlanDraft.objects.get(session_id=session_id).version,
            RoomNotes.objects.count(), ActionItem.objects.count())


async def test_participants_and_presenters_cannot_run_breakouts(opened: Opened, session: BreakoutSession,
                                                                settings) -> None:  # noqa: ANN001
    settings.RATE_LIMIT_BURST = 1000
    clients = await opened(("jordan", "maria", "james", "aisha", "angela"))
    before = await db(_record)(session.small.convening.pk, session.id)
    for who in ("maria", "angela"):
        client = clients[who]
        for n, message in enumerate([*moderator_only(session), *(not_my_room(session) if who == "maria" else [])]):
            await client.send(**message, id=f"m{n}")
            error = await client.expect("error", lambda m, ref=f"m{n}": m["ref"] == ref)
            assert error["code"] == "forbidden", (who, message, error)
    assert await db(_record)(session.small.convening.pk, session.id) == before
    await clients["james"].barrier()
    assert {m["version"] for m in clients["james"].take("breakout.state")} <= {before[0]}  # no change announced


async def test_moderators_keep_their_powers_inside_any_room(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    jordan, maria, james = clients["jordan"], clients["maria"], clients["james"]
    pe, pl = session.room_of_topic(PARENT), session.room_of_topic(LEARNING)
    await jordan.send("breakout.visit", room=pl)
    assert (await jordan.expect("space.entered"))["space"] == pl
    state = await james.expect("breakout.state", lambda m: any(r["visitors"] for r in m["rooms"]))
    assert {r["key"]: r["visitors"] for r in state["rooms"]}[pl] == [session.small.pid("jordan")]
    await jordan.send("chat.send", text="Hello, Professional Learning!")
    assert (await james.expect("chat.message"))["space"] == pl
    # From inside a room: move someone, broadcast to every room, work on another room's notes.
    await jordan.send("breakout.move", participant_id=session.small.pid("maria"), room=pl)
    assert (await maria.expect("breakout.assigned"))["room"]["key"] == pl
    await jordan.send("breakout.broadcast", text="Ten minutes left")
    for client in (maria, james, clients["aisha"]):
        assert (await client.expect("broadcast"))["text"] == "Ten minutes left"
    await jordan.send("notes.edit", room=pe, base_version=0, text="From the moderator\n")
    await clients["aisha"].expect("notes.updated", lambda m: m["room"] == pe and m["version"] == 1)
    await jordan.send("breakout.return")
    assert (await jordan.expect("space.entered"))["space"] == "plenary"


async def test_a_room_broadcast_reaches_only_that_room(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    await clients["jordan"].send("breakout.broadcast", text="Parents first", room=session.room_of_topic(PARENT))
    assert (await clients["maria"].expect("broadcast"))["text"] == "Parents first"
    await clients["aisha"].expect("broadcast")
    await clients["james"].barrier()
    assert clients["james"].take("broadcast") == []
