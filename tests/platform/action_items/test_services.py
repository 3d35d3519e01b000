from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from action_items import services
from action_items.models import ActionItem
from action_items.ranking import ListFull
from action_items.services import InvalidText, Owner, clean_text
from tests.platform.surveys.factories import make_convening, make_team, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    convening = make_convening()
    team = make_team()
    member = registered(convening, "maria", team=team)
    return convening, team, member, Owner.of_team(convening.pk, team.pk)


def texts(owner: Owner) -> list[tuple[int, str]]:
    return [(i.rank, i.text) for i in services.items_for(owner)]


def test_add_up_to_five_then_refuse(setup) -> None:
    _, _, member, owner = setup
    for n in range(1, 6):
        services.add(owner, f"Item {n}", member)
    with pytest.raises(ListFull):
        services.add(owner, "Item 6", member)
    assert texts(owner) == [(n, f"Item {n}") for n in range(1, 6)]


def test_swapping_ranks_is_allowed_by_the_unique_constraint(setup) -> None:
    _, _, member, owner = setup
    items = [services.add(owner, t, member)[-1] for t in ("A", "B", "C")]
    services.move_up(owner, items[2].pk, member)
    services.move_down(owner, items[0].pk, member)
    assert texts(owner) == [(1, "C"), (2, "A"), (3, "B")]
    assert {i.pk for i in services.items_for(owner)} == {i.pk for i in items}  # ids survive reranking


def test_remove_closes_the_gap_and_insert_at_a_rank(setup) -> None:
    _, _, member, owner = setup
    items = [services.add(owner, t, member)[-1] for t in ("A", "B", "C")]
    services.remove(owner, items[1].pk, member)
    services.add(owner, "First", member, at=1)
    assert texts(owner) == [(1, "First"), (2, "A"), (3, "C")]


def test_updated_by_follows_real_changes_only(setup) -> None:
    convening, team, member, owner = setup
    other = registered(convening, "james", team=team)
    a = services.add(owner, "A", member)[-1]
    b = services.add(owner, "B", member)[-1]
    services.edit(owner, a.pk, "A, revised", other)
    after = {i.pk: i for i in services.items_for(owner)}
    assert after[a.pk].updated_by == other and after[b.pk].updated_by == member
    assert after[b.pk].updated_at == b.updated_at


def test_text_is_tidied_and_checked() -> None:
    assert clean_text("  Start   a parent\ntech night ") == "Start a parent tech night"
    with pytest.raises(InvalidText):
        clean_text("   ")
    with pytest.raises(InvalidText, match="under 500"):
        clean_text("x" * 501)


def test_room_lists_are_separate_and_keep_their_name(setup) -> None:
    convening, _, member, team_owner = setup
    room = Owner.of_room(convening.pk, "s2-r3", "Parent Engagement · Room 3")
    services.add(room, "Share the family survey", member)
    services.add(team_owner, "Team item", member)
    [item] = services.items_for(room)
    assert (item.rank, item.room_name, item.team_id) == (1, "Parent Engagement · Room 3", None)
    assert texts(team_owner) == [(1, "Team item")]


@pytest.mark.parametrize("fields", [
    {"rank": 6},
    {"rank": 0},
    {"rank": 1, "room_key": "r1"},  # both a team and a room
])
def test_database_constraints(setup, fields: dict[str, object]) -> None:
    convening, team, _, _ = setup
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.create(convening=convening, team=team, text="x", **fields)


def test_database_requires_an_owner_and_unique_ranks(setup) -> None:
    convening, team, _, _ = setup
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.create(convening=convening, rank=1, text="nobody's")
    ActionItem.objects.create(convening=convening, team=team, rank=1, text="one")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.create(convening=convening, team=team, rank=1, text="same rank")
    ActionItem.objects.create(convening=convening, room_key="r1", rank=1, text="room rank 1 is fine")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("sqlite" in connection.vendor, reason="needs concurrent connections (PostgreSQL)")
def test_teammates_adding_at_the_same_moment_both_succeed() -> None:
    convening, team = make_convening(), make_team()
    owner = Owner.of_team(convening.pk, team.pk)
    members = [registered(convening, f"member{n}", team=team) for n in range(4)]
    barrier, errors = threading.Barrier(len(members)), []

    def add(member) -> None:
        try:
            barrier.wait()
            services.add(owner, f"From {member.user.username}", member)
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [i.rank for i in services.items_for(owner)] == [1, 2, 3, 4]
