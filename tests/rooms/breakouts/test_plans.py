"""Draft plans before the session: edit with an optimistic version, CSV out and in, regenerate."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from rooms.breakouts import drafts
from tests.rooms.breakouts.conftest import db, plan
from tests.rooms.breakouts.factories import LEARNING, PARENT, BreakoutSession, breakout_session, signed_in
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening


@pytest.mark.asyncio
async def test_edits_name_the_version_they_saw(connect: Connect, session: BreakoutSession) -> None:
    jordan, olivia = await connect("jordan"), await connect("olivia")
    ready = await plan(jordan, session, everyone=True)  # planning ahead: nobody else is here
    assert (await olivia.expect("breakout.plan_ready"))["version"] == 1  # every moderator sees it
    pe, pl = session.room_of_topic(PARENT), session.room_of_topic(LEARNING)
    edit = {"type": "breakout.plan_edit", "session_id": session.id}
    await jordan.send(**edit, version=1, op="move", participant_id=session.small.pid("maria"), room=pl)
    moved = await olivia.expect("breakout.plan_ready", lambda m: m["version"] == 2)
    assert session.small.pid("maria") in {r["key"]: r["members"] for r in moved["rooms"]}[pl]
    # Olivia still looks at version 1: refused, and shown the current plan.
    await olivia.send(**edit, id="o1", version=1, op="rename_room", room=pe, name="Families")
    assert (await olivia.expect_error("stale_plan"))["ref"] == "o1"
    assert (await olivia.expect("breakout.plan_ready", lambda m: m["version"] == 2))["rooms"] == moved["rooms"]
    await olivia.send(**edit, version=2, op="rename_room", room=pe, name="Families")
    await olivia.send(**edit, version=3, op="add_room", name="Open Space")
    added = await jordan.expect("breakout.plan_ready", lambda m: m["version"] == 4)
    assert [r["name"] for r in added["rooms"]] == ["Families", LEARNING, "Open Space"]
    new_key = added["rooms"][2]["key"]
    assert new_key == f"s{session.id}-added-1"
    await jordan.send(**edit, version=4, op="swap", participant_id=session.small.pid("maria"),
                      other_participant_id=session.small.pid("aisha"))
    await jordan.send(**edit, version=5, op="remove_room", room=pl)
    final = await jordan.expect("breakout.plan_ready", lambda m: m["version"] == 6)
    assert len(final["rooms"]) == 2 and final["stats"]["placed"] == 3
    await jordan.send(**edit, id="x", version=6, op="rename_room", room=f"s{session.id}-nowhere", name="Y")
    assert (await jordan.expect_error("not_found"))["ref"] == "x"
    await jordan.send(**edit, id="y", version=6, op="move", participant_id=10**6, room=new_key)
    assert (await jordan.expect_error("not_found"))["ref"] == "y"
    await jordan.send(**edit, id="z", version=6, op="move", room=new_key)
    assert "participant_id" in (await jordan.expect_error("invalid_message"))["message"]
    await jordan.send("breakout.plan_get", session_id=session.id)
    assert (await jordan.expect("breakout.plan_ready", lambda m: m["version"] == 6))["rooms"] == final["rooms"]
    assert ready["stats"]["first_choice_share"] == 1.0


@pytest.mark.asyncio
async def test_who_is_left_out_of_the_rooms_is_the_moderators_choice(connect: Connect,
                                                                      session: BreakoutSession) -> None:
    jordan = await connect("jordan")
    small = session.small
    staff = {small.pid("olivia"): "organizer", small.pid("jordan"): "moderator", small.pid("angela"): "presenter"}
    default = await plan(jordan, session, everyone=True)
    assert {u["participant_id"]: u["reason"] for u in default["unplaced"]} == {
        pid: f"excluded role: {role}" for pid, role in staff.items()}
    only_organizers = await plan(jordan, session, exclude_roles=["organizer"], everyone=True)
    placed = {m for r in only_organizers["rooms"] for m in r["members"]}
    assert {small.pid("jordan"), small.pid("angela")} <= placed
    assert [u["participant_id"] for u in only_organizers["unplaced"]] == [small.pid("olivia")]
    everyone = await plan(jordan, session, exclude_roles=[], everyone=True)
    assert everyone["unplaced"] == [] and everyone["stats"]["placed"] == 6
    # Reshuffling keeps the choice: it plans anew with the same options.
    assert (await db(drafts.load)(session.id)).options.exclude_roles == frozenset()
    await jordan.send("breakout.plan", id="w", session_id=session.id, room_count=2, exclude_roles=["wizards"])
    error = await jordan.expect_error("invalid_message")
    assert error["ref"] == "w" and "exclude_roles" in error["message"] and "'moderator'" in error["message"]


@pytest.mark.asyncio
async def test_bad_plan_requests(connect: Connect, session: BreakoutSession) -> None:
    jordan = await connect("jordan")
    await jordan.send("breakout.plan", id="a", session_id=session.id, strategy="random")
    assert "room_count" in (await jordan.expect_error("invalid_message"))["message"]
    await jordan.send("breakout.plan", id="b", session_id=10**6, room_count=2)
    assert (await jordan.expect_error("not_found"))["ref"] == "b"
    await jordan.send("breakout.plan_get", id="c", session_id=session.id)
    assert (await jordan.expect_error("not_found"))["ref"] == "c"
    await jordan.send("breakout.open", id="d", session_id=session.id, duration_s=60)
    assert "plan" in (await jordan.expect_error("not_found"))["message"]


def test_csv_export_and_import_for_moderators(small: SmallConvening) -> None:
    session = breakout_session(small)
    url = f"/c/{small.convening.slug}/sessions/{session.id}/breakouts.csv"
    jordan = signed_in(small, "jordan")
    assert jordan.get(url).status_code == 404  # no plan yet
    csv_text = ("room,topic,participant id,participant name\n"
                f"Families,{PARENT},{small.pid('maria')},Maria\n"
                f"Families,{PARENT},{small.pid('james')},James\n"
                f"Learners,{LEARNING},{small.pid('aisha')},Aisha\n")
    imported = jordan.post(url, data=csv_text, content_type="text/csv")
    assert imported.status_code == 200, imported.content
    body = json.loads(imported.content)
    assert [(r["name"], len(r["members"])) for r in body["rooms"]] == [("Families", 2), ("Learners", 1)]
    assert body["rooms"][0]["key"] == f"s{session.id}-room-1"
    exported = jordan.get(url)
    assert exported["Content-Type"].startswith("text/csv")
    assert f"Families,{session.topics[PARENT].pk},{small.pid('maria')},Maria Garcia" in exported.content.decode()
    bad = jordan.post(url, data=csv_text + "Nowhere,,999999,Ghost\n", content_type="text/csv")
    assert bad.status_code == 400 and "line 5" in json.loads(bad.content)["errors"][0]
    assert drafts.load(session.id).version == 1  # a bad file changes nothing
    assert signed_in(small, "maria").get(url).status_code == 403
    assert signed_in(small, "maria").post(url, data=csv_text, content_type="text/csv").status_code == 403
    assert Client().get(url).status_code == 302  # sign in first


@pytest.mark.asyncio
async def test_csv_import_reaches_moderators_live(connect: Connect, session: BreakoutSession) -> None:
    jordan = await connect("jordan")
    url = f"/c/{session.small.convening.slug}/sessions/{session.id}/breakouts.csv"
    csv_text = f"room,topic,participant id,participant name\nAll of us,,{session.small.pid('maria')},\n"
    response = await db(lambda: signed_in(session.small, "olivia").post(url, data=csv_text, content_type="text/csv"))()
    assert response.status_code == 200
    ready = await jordan.expect("breakout.plan_ready")
    assert [r["name"] for r in ready["rooms"]] == ["All of us"]
