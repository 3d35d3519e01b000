"""Role × action: participants and presenters cannot run breakouts or use rooms not theirs;
a refused message changes nothing. Moderators keep every power inside any room."""
from __future__ import annotations

from typing import Literal, get_args, get_origin

import pytest

from action_items.models import ActionItem
from convenings.permissions import allowed
from rooms.breakout_models import BreakoutPlanDraft, LiveBreakoutState, RoomNotes
from rooms.models import ChatMessage, RaisedHand
from signaling.consumers.handlers import ROUTES
from signaling.protocol import ClientMessage
from tests.rooms.breakouts.conftest import Opened, db
from tests.rooms.breakouts.factories import LEARNING, PARENT, BreakoutSession

REFUSED_ROLES = ("participant", "presenter")  # as maria (in Parent Engagement) and angela (in the plenary)


def moderator_only(s: BreakoutSession) -> list[dict]:
    """Every message whose handler requires a permission participants and presenters lack
    (test_the_matrix_covers_every_guarded_message checks none is missing)."""
    pe, pl = s.room_of_topic(PARENT), s.room_of_topic(LEARNING)
    james, maria = s.small.pid("james"), s.small.pid("maria")
    edit = {"type": "breakout.plan_edit", "session_id": s.id, "version": 1}
    return [
        {"type": "breakout.plan", "session_id": s.id, "room_count": 2},
        {"type": "breakout.plan", "session_id": s.id, "room_count": 2, "exclude_roles": []},
        {"type": "breakout.plan_get", "session_id": s.id},
        {**edit, "op": "move", "participant_id": james, "room": pe},
        {**edit, "op": "swap", "participant_id": maria, "other_participant_id": james},
        {**edit, "op": "add_room", "name": "Mine"},
        {**edit, "op": "rename_room", "room": pe, "name": "X"},
        {**edit, "op": "remove_room", "room": pe},
        {"type": "breakout.open", "session_id": s.id, "duration_s": 60},
        {"type": "breakout.reopen", "duration_s": 60},
        {"type": "breakout.reopen", "duration_s": 60, "reshuffle": True},
        {"type": "breakout.move", "participant_id": james, "room": pe},
        {"type": "breakout.swap", "participant_id": maria, "other_participant_id": james},
        {"type": "breakout.recall", "participant_id": james},
        {"type": "breakout.visit", "room": pl},
        {"type": "breakout.return"},
        {"type": "breakout.mode", "mode": "self_select"},
        {"type": "breakout.timer", "op": "set", "seconds": 60},
        {"type": "breakout.timer", "op": "extend", "seconds": 60},
        {"type": "breakout.timer", "op": "shorten", "seconds": 60},
        {"type": "breakout.close"},
        {"type": "breakout.close", "room": pl},
        {"type": "breakout.close", "countdown": True},
        {"type": "breakout.rounds.set", "session_id": s.id, "rounds": [{"strategy": "jigsaw", "minutes": 5}]},
        {"type": "breakout.rounds.start"},
        {"type": "breakout.rounds.next"},
        {"type": "breakout.rounds.stop"},
        {"type": "breakout.broadcast", "text": "hello", "room": pl},
        {"type": "breakout.broadcast", "text": "hello"},
        {"type": "broadcast.send", "text": "hello"},
        {"type": "chat.delete", "space": "plenary", "seq": 1},
        {"type": "chat.delete", "space": pl, "seq": 1},
        {"type": "hand.invite", "participant_id": james},
        {"type": "hand.lower", "participant_id": james},  # someone else's hand: checked inside the handler
        {"type": "media.allow_screen", "participant_id": james, "allowed": True},
        {"type": "media.diagnose"},
        {"type": "captions.assign", "space": pl, "participant_id": james},
        {"type": "captions.automatic", "space": pl, "on": True},
        {"type": "poll.ask", "question": "Ready?", "kind": "single", "options": ["Yes", "No"], "scope": "plenary"},
        {"type": "poll.close", "poll_id": 1},
        {"type": "poll.share", "poll_id": 1},
        {"type": "recording.start", "space": pl},
        {"type": "recording.start"},
        {"type": "recording.stop", "space": pl},
        {"type": "recording.stop"},
        {"type": "tower.watch"},
        {"type": "tower.listen", "room": pl},
        {"type": "tower.stop_listening"},
        {"type": "tower.speak", "rooms": "all"},
        {"type": "tower.stop_speaking"},
    ]


def not_my_room(s: BreakoutSession) -> list[dict]:
    """Messages anyone may send about their own room, naming Professional Learning — not
    Maria's room (she is in Parent Engagement; rooms are assigned), nor Angela's (in the plenary)."""
    pl = s.room_of_topic(LEARNING)
    return [
        {"type": "breakout.choose", "room": pl},
        {"type": "chat.send", "space": pl, "text": "hi"},
        {"type": "chat.sync", "space": pl, "after_seq": 0},
        {"type": "notes.edit", "room": pl, "base_version": 0, "text": "mine"},
        {"type": "room.sync", "room": pl},
        {"type": "actions.update", "room": pl, "op": "add", "text": "x"},
        {"type": "actions.update", "room": pl, "op": "edit", "item_id": 1, "text": "y"},
        {"type": "actions.update", "room": pl, "op": "up", "item_id": 1},
        {"type": "actions.update", "room": pl, "op": "down", "item_id": 1},
        {"type": "actions.update", "room": pl, "op": "remove", "item_id": 1},
        {"type": "actions.set", "room": pl, "items": ["x"]},
        {"type": "captions.sync", "space": pl},
        {"type": "recording.sync", "space": pl},
    ]


# ---- coverage: derived from the registered handlers ------------------------------------------------

def _place_field(kind: type[ClientMessage]) -> str | None:
    return next((name for name in ("room", "space") if name in kind.model_fields), None)


def _room_optional(kind: type[ClientMessage]) -> bool:
    """Naming a room is up to the sender (an op's own fields decide for messages with ops)."""
    place = _place_field(kind)
    return bool(place) and not kind.model_fields[place].is_required() and "op" not in kind.model_fields


Form = tuple[str, str | None, bool | None]  # (type, op, names a room — where that is optional)


def _forms(kind: type[ClientMessage]) -> set[Form]:
    """The forms a check must be tried with: each ``op``; with a room and without, where optional."""
    op = kind.model_fields.get("op")
    ops = get_args(op.annotation) if op is not None and get_origin(op.annotation) is Literal else (None,)
    rooms = (True, False) if _room_optional(kind) else (None,)
    return {(kind.type_name(), o, r) for o in ops for r in rooms}


def _form(message: dict, kind: type[ClientMessage]) -> Form:
    named = bool(message.get(_place_field(kind) or "")) if _room_optional(kind) else None
    return message["type"], message.get("op"), named


class _Stub:
    """Enough of a BreakoutSession to build the tables without a database."""
    id = 1
    small = type("Small", (), {"pid": staticmethod(lambda name: 7)})()

    @staticmethod
    def room_of_topic(name: str) -> str:
        return "s1-topic-1-1"


def _kinds() -> dict[str, type[ClientMessage]]:
    return {kind.type_name(): kind for kind in ROUTES}


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_the_matrix_covers_every_guarded_message(role: str) -> None:
    kinds = _kinds()
    guarded = [kind for kind, route in ROUTES.items() if route.requires and not allowed(role, route.requires)]
    assert guarded, "no guarded handler found: is the registry imported?"
    needed = set().union(*(_forms(kind) for kind in guarded))
    # Messages anyone may send, but about a room: each must be tried naming someone else's room.
    about_a_room = [kind for kind, route in ROUTES.items() if kind not in guarded and _place_field(kind)]
    needed |= {form for kind in about_a_room for form in _forms(kind) if form[2] is not False}
    tried = {_form(m, kinds[m["type"]]) for m in [*moderator_only(_Stub()), *not_my_room(_Stub())]}  # type: ignore[arg-type]
    assert not needed - tried, f"not tried for {role}: {sorted(needed - tried, key=str)}"
    assert {m["type"] for m in not_my_room(_Stub())} == {k.type_name() for k in about_a_room}  # type: ignore[arg-type]


def _record(convening_id: int, session_id: int) -> tuple:
    live = LiveBreakoutState.objects.get(convening_id=convening_id)
    return (live.version, live.state, live.visits, BreakoutPlanDraft.objects.get(session_id=session_id).version,
            RoomNotes.objects.count(), ActionItem.objects.count(), ChatMessage.objects.count(),
            RaisedHand.objects.count())


@pytest.mark.asyncio
async def test_participants_and_presenters_cannot_run_breakouts(opened: Opened, session: BreakoutSession,
                                                                settings) -> None:  # noqa: ANN001
    settings.RATE_LIMIT_BURST = 1000
    clients = await opened(("jordan", "maria", "james", "aisha", "angela"))
    before = await db(_record)(session.small.convening.pk, session.id)
    for who in ("maria", "angela"):
        client = clients[who]
        for n, message in enumerate([*moderator_only(session), *not_my_room(session)]):
            await client.send(**message, id=f"m{n}")
            error = await client.expect("error", lambda m, ref=f"m{n}": m["ref"] == ref)
            assert error["code"] == "forbidden", (who, message, error)
    assert await db(_record)(session.small.convening.pk, session.id) == before
    await clients["james"].barrier()
    announced = clients["james"].take("breakout.state") + clients["james"].take("breakout.changed")
    assert {m["version"] for m in announced} <= {before[0]}  # no change announced


@pytest.mark.asyncio
async def test_moderators_keep_their_powers_inside_any_room(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    jordan, maria, james = clients["jordan"], clients["maria"], clients["james"]
    pe, pl = session.room_of_topic(PARENT), session.room_of_topic(LEARNING)
    await jordan.send("breakout.visit", room=pl)
    assert (await jordan.expect("space.entered"))["space"] == pl
    state = await james.expect("breakout.changed", lambda m: any(r["visitors"] for r in m["rooms"]))
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


@pytest.mark.asyncio
async def test_a_room_broadcast_reaches_only_that_room(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    await clients["jordan"].send("breakout.broadcast", text="Parents first", room=session.room_of_topic(PARENT))
    assert (await clients["maria"].expect("broadcast"))["text"] == "Parents first"
    await clients["aisha"].expect("broadcast")
    await clients["james"].barrier()
    assert clients["james"].take("broadcast") == []
