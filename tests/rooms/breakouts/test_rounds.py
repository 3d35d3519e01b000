"""Multi-round breakouts over the live consumer: rounds open, count down and follow one
another by the clock alone; nobody meets twice; each round's Top 5 stays with its rooms."""
from __future__ import annotations

from itertools import combinations

import pytest
from django.contrib.auth import get_user_model

from action_items.models import ActionItem
from convenings import joinlinks
from convenings.models import Registration
from people.models import Participant
from rooms.breakout_models import RoomAssignment
from tests.rooms.breakouts.conftest import db
from tests.rooms.breakouts.factories import BreakoutSession
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening

pytestmark = pytest.mark.asyncio
EXTRA = 6  # with maria, james and aisha: nine people, three rooms of three


def _more_people(small: SmallConvening) -> list[str]:
    """Join tokens of six more registered participants (the small convening has three)."""
    User = get_user_model()
    school = small["maria"].participant.school
    tokens = []
    for n in range(EXTRA):
        user = User.objects.create(username=f"leader{n}", first_name="Leader", last_name=f"No{n}")
        person = Participant.objects.create(user=user, job_role="teacher", school=school)
        registration = Registration.objects.create(convening=small.convening, participant=person, role="participant")
        tokens.append(joinlinks.issue(registration).token)
    return tokens


def _stays(convening_id: int) -> dict[str, set[int]]:
    by_room: dict[str, set[int]] = {}
    for room, person in RoomAssignment.objects.filter(convening_id=convening_id).values_list("room_key",
                                                                                          "participant_id"):
        by_room.setdefault(room, set()).add(person)
    return by_room


async def test_three_rounds_follow_by_the_clock_with_no_repeated_pairings_and_keep_each_top_five(
        connect: Connect, small: SmallConvening, session: BreakoutSession) -> None:
    jordan = await connect("jordan")
    people = [await connect(name) for name in ("maria", "james", "aisha")]
    people += [await connect(token=token) for token in await db(_more_people)(small)]
    maria = people[0]
    await jordan.send("breakout.rounds.set", session_id=session.id, grace_s=0.4, room_count=3,
                      rounds=[{"strategy": "random", "minutes": 0.04}, {"strategy": "jigsaw", "minutes": 0.02},
                              {"strategy": "rotation", "minutes": 0.02}])
    defined = await jordan.expect("breakout.state", lambda m: (m.get("rounds") or {}).get("state") == "defined")
    assert defined["rounds"]["total"] == 3 and defined["rounds"]["number"] == 0
    await jordan.send("breakout.rounds.start")

    first = await maria.expect("breakout.assigned", timeout=10)
    assert first["room"]["name"].startswith("Round 1 · ")
    await maria.send("actions.update", room=first["room"]["key"], op="add", text="Visit each other's classrooms")
    await maria.expect("room.action_items", lambda m: m["items"], timeout=10)

    summary = await maria.expect("breakout.summary", lambda m: any(r["items"] for r in m["rooms"]), timeout=15)
    kept = {r["name"]: [i["text"] for i in r["items"]] for r in summary["rooms"]}
    assert kept[first["room"]["name"]] == ["Visit each other's classrooms"]
    assert all(name.startswith("Round 1 · ") for name in kept)
    second = await maria.expect("breakout.assigned", lambda m: m["room"]["name"].startswith("Round 2 · "), timeout=15)
    assert second["room"]["key"] != first["room"]["key"]

    finished = await jordan.expect("breakout.state", lambda m: (m.get("rounds") or {}).get("state") == "finished",
                                   timeout=30)
    assert finished["rounds"]["number"] == 3 and all(r["state"] == "closed" for r in finished["rooms"])
    for client in people[1:]:  # everyone went through a room of each round and is back in the plenary
        names = [(await client.expect("breakout.assigned", timeout=10))["room"]["name"] for _ in range(3)]
        assert [name.split(" · ")[0] for name in names] == ["Round 1", "Round 2", "Round 3"]
        await client.expect("breakout.returned", timeout=10)

    stays = await db(_stays)(small.convening.pk)
    met: set[frozenset[int]] = set()
    for round_keys in finished["rounds"]["room_keys"]:
        rooms = [stays.get(key, set()) for key in round_keys]
        assert sorted(len(room) for room in rooms) == [3, 3, 3]
        pairs = {frozenset(pair) for room in rooms for pair in combinations(room, 2)}
        assert not pairs & met  # nobody met anyone twice
        met |= pairs
    round_one = finished["rounds"]["room_keys"][0]
    items = await db(lambda: list(ActionItem.objects.filter(room_key__in=round_one).values_list("text", flat=True)))()
    assert items == ["Visit each other's classrooms"]  # round 1's list stayed with round 1's room
    assert finished["rounds"]["repeated_pairs"] == 0 and finished["rounds"]["note"] == ""


async def test_only_moderators_run_rounds_a_moderator_moves_on_or_ends_them(
        connect: Connect, session: BreakoutSession) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await maria.send("breakout.rounds.set", id="m1", session_id=session.id, rounds=[{"strategy": "topic", "minutes": 5}])
    assert (await maria.expect_error("forbidden"))["ref"] == "m1"
    await maria.send("breakout.rounds.start", id="m2")
    assert (await maria.expect_error("forbidden"))["ref"] == "m2"
    await jordan.send("breakout.rounds.start", id="j1")
    assert (await jordan.expect_error("not_found"))["ref"] == "j1"  # nothing defined yet
    await jordan.send("breakout.rounds.next", id="j2")
    assert (await jordan.expect_error("illegal_transition"))["ref"] == "j2"
    await jordan.send("breakout.rounds.set", id="j3", session_id=session.id,
                      rounds=[{"strategy": "alphabetical", "minutes": 5}])
    assert (await jordan.expect_error("invalid_message"))["ref"] == "j3"
    assert maria.take("breakout.state") == []  # nothing was defined by any of it

    # "Next round" at once (no countdown); starting again while rooms are open is refused;
    # "End now" closes the rooms and no further round opens.
    await jordan.send("breakout.rounds.set", session_id=session.id, grace_s=30,
                      rounds=[{"strategy": "topic", "minutes": 5}, {"strategy": "rotation", "minutes": 5},
                              {"strategy": "rotation", "minutes": 5}])
    await jordan.send("breakout.rounds.start")
    first = await maria.expect("breakout.assigned")
    await jordan.send("breakout.rounds.next")
    second = await maria.expect("breakout.assigned", lambda m: m["room"]["name"].startswith("Round 2 · "))
    assert second["room"]["key"] != first["room"]["key"]
    await jordan.send("breakout.rounds.start", id="j4")
    assert (await jordan.expect_error("illegal_transition"))["ref"] == "j4"
    await jordan.send("breakout.close")
    stopped = await jordan.expect("breakout.state", lambda m: (m.get("rounds") or {}).get("state") == "stopped")
    assert stopped["rounds"]["number"] == 2 and all(r["state"] == "closed" for r in stopped["rooms"])
    assert (await maria.expect("breakout.returned"))["reason"] == "closed"
