"""The multi-round planner (rooms.rounds), pure: jigsaw "one of each", rotation without repeats."""
from __future__ import annotations

import random
from collections import Counter
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms import rounds
from rooms.planning import Person, PlanOptions, Topic, plan_breakouts
from signaling.protocol.breakouts import RoundStrategy

FAST = settings(max_examples=40, deadline=None)


def _people(n: int) -> list[Person]:
    return [Person(i) for i in range(n)]


def _rooms(result: rounds.RoundPlan) -> list[list[int]]:
    return [list(r.members) for r in result.plan.rooms]


def _partition(rng: random.Random, people: list[int], rooms: int) -> list[list[int]]:
    order = list(people)
    rng.shuffle(order)
    return [order[i::rooms] for i in range(rooms)]


@st.composite
def situations(draw: st.DrawFn) -> tuple[list[int], list[list[list[int]]], int | None, int]:
    """People here now, earlier rounds (some of whom left, some here now are new), room count, seed."""
    n = draw(st.integers(1, 24))
    rng = random.Random(draw(st.integers(0, 10_000)))
    everyone = list(range(n + draw(st.integers(0, 6))))
    past = [_partition(rng, [p for p in everyone if rng.random() < 0.9], draw(st.integers(1, 8)))
            for _ in range(draw(st.integers(0, 3)))]
    here = sorted(rng.sample(everyone, n))
    return here, past, draw(st.none() | st.integers(1, n)), draw(st.integers(0, 99))


@FAST
@given(situations(), st.sampled_from(rounds.MIXING))
def test_no_one_is_lost_or_duplicated_and_rooms_are_even(situation, strategy: str) -> None:  # noqa: ANN001
    here, past, room_count, seed = situation
    people = [Person(p) for p in here]
    result = rounds.plan_round(len(past) + 1, strategy, people, [], past, room_count=room_count, seed=seed)
    placed = [p for room in _rooms(result) for p in room]
    assert sorted(placed) == here
    sizes = [len(room) for room in _rooms(result)]
    assert max(sizes) - min(sizes) <= 1
    if room_count is not None:
        assert len(sizes) == room_count
    again = rounds.plan_round(len(past) + 1, strategy, people, [], past, room_count=room_count, seed=seed)
    assert _rooms(again) == _rooms(result)  # deterministic for a seed
    assert result.repeats == rounds.repeated_pairs(_rooms(result), past)


@FAST
@given(situations())
def test_jigsaw_puts_one_of_each_previous_room_in_every_new_room(situation) -> None:  # noqa: ANN001
    here, past, room_count, seed = situation
    previous = past[-1] if past else []
    result = rounds.plan_round(len(past) + 1, "jigsaw", [Person(p) for p in here], [], past,
                               room_count=room_count, seed=seed)
    new_rooms = _rooms(result)
    r = len(new_rooms)
    for old in previous:
        present = set(old) & set(here)
        counts = [len(present & set(room)) for room in new_rooms]
        if len(present) >= r:  # enough of them for every new room
            assert min(counts) >= 1
        if len(present) <= r:  # few enough that no new room needs two of them
            assert max(counts, default=0) <= 1


@pytest.mark.parametrize("n, rooms", [(9, 3), (12, 3), (12, 4), (8, 2), (15, 5)])
@pytest.mark.parametrize("seed", range(4))
def test_jigsaw_of_even_rooms_is_exactly_one_of_each(n: int, rooms: int, seed: int) -> None:
    first = rounds.plan_round(1, "random", _people(n), [], [], room_count=rooms, seed=seed)
    second = rounds.plan_round(2, "jigsaw", _people(n), [], [_rooms(first)], seed=seed)
    assert len(_rooms(second)) == n // rooms
    for room in _rooms(second):  # one person from each round-1 room
        origins = Counter(next(i for i, old in enumerate(_rooms(first)) if p in old) for p in room)
        assert sorted(origins) == list(range(rooms)) and set(origins.values()) == {1}
    assert second.repeats == 0


@pytest.mark.parametrize("n, rooms", [(9, 3), (16, 4), (25, 5)])
@pytest.mark.parametrize("seed", range(3))
def test_a_second_jigsaw_keeps_one_of_each_and_repeats_no_pair(n: int, rooms: int, seed: int) -> None:
    past: list[list[list[int]]] = []
    for number, strategy in enumerate(("random", "jigsaw", "jigsaw"), 1):
        result = rounds.plan_round(number, strategy, _people(n), [], past, room_count=rooms if number == 1 else None,
                                   seed=seed)
        for room in _rooms(result):  # one person from each room of the round before
            assert all(len(set(room) & set(old)) == 1 for old in (past[-1] if past else []))
        assert result.repeats == 0
        past.append(_rooms(result))


def _modular_rounds(g: int, s: int, count: int, rng: random.Random) -> tuple[list[int], list[list[list[int]]]]:
    """``count`` rounds of g rooms of s people (s <= g, g prime) in which nobody meets twice:
    person (i, j) is in room (j + i·t) mod g in round t. Relabelled at random."""
    label = list(range(g * s))
    rng.shuffle(label)
    past = [[[label[i * g + j] for i in range(s) for j in range(g) if (j + i * t) % g == room]
             for room in range(g)] for t in range(count)]
    return label, past


@FAST
@given(st.sampled_from([(2, 2), (3, 2), (3, 3), (5, 2), (5, 3), (5, 4), (5, 5), (7, 3)]), st.data())
def test_rotation_has_no_repeats_whenever_a_plan_without_them_exists(shape, data) -> None:  # noqa: ANN001
    g, s = shape
    rng = random.Random(data.draw(st.integers(0, 10_000)))
    done = data.draw(st.integers(1, g - 1))  # the construction has g rounds: one more always exists
    people, past = _modular_rounds(g, s, done, rng)
    result = rounds.plan_round(done + 1, "rotation", [Person(p) for p in people], [], past,
                               room_count=g, seed=data.draw(st.integers(0, 99)))
    assert result.repeats == 0 and result.repeat_free is True and result.note == ""


@pytest.mark.parametrize("n, rooms", [(9, 3), (12, 4), (16, 4), (15, 5), (10, 5)])  # room size <= rooms
@pytest.mark.parametrize("seed", range(5))
def test_three_rotations_of_the_planners_own_rounds_repeat_no_pair(n: int, rooms: int, seed: int) -> None:
    past: list[list[list[int]]] = []
    for number in (1, 2, 3):  # round counts up to the room size
        result = rounds.plan_round(number, "rotation", _people(n), [], past, room_count=rooms, seed=seed)
        assert result.repeats == 0
        past.append(_rooms(result))
    assert len(rounds.pairs(past[0]) | rounds.pairs(past[1]) | rounds.pairs(past[2])) == \
        sum(len(rounds.pairs(r)) for r in past)


def test_rotation_says_when_repeats_cannot_be_avoided_and_keeps_them_few() -> None:
    past: list[list[list[int]]] = []
    for number in (1, 2, 3):  # 4 people in rooms of 2: three rounds meet everyone
        result = rounds.plan_round(number, "rotation", _people(4), [], past, room_count=2)
        past.append(_rooms(result))
    assert all(r.repeats == 0 for r in [result])
    fourth = rounds.plan_round(4, "rotation", _people(4), [], past, room_count=2)
    assert fourth.repeats == 2 and fourth.repeat_free is False
    assert fourth.note == "2 pair(s) of people meet again: no plan without repeats exists for these rooms."


def test_topic_role_and_region_rounds_reuse_the_planner_with_round_labels() -> None:
    topics = [Topic("1", "Math"), Topic("2", "Parent Engagement")]
    people = [Person(i, interests=("1",) if i % 2 else ("2",), region="North" if i < 5 else "South")
              for i in range(10)]
    result = rounds.plan_round(2, "topic", people, topics, [], room_count=2, seed=4, run=7)
    plain = plan_breakouts(people, topics, PlanOptions(strategy="topic", room_count=2, seed=4 * 1_000 + 2))
    assert _rooms(result) == [list(r.members) for r in plain.rooms]
    assert [r.key for r in result.plan.rooms] == [f"v7r2-{r.key}" for r in plain.rooms]
    assert all(r.name.startswith("Round 2 · ") for r in result.plan.rooms)
    region = rounds.plan_round(3, "region", people, topics, [_rooms(result)], room_count=2)
    assert sorted(sorted(r) for r in _rooms(region)) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


def test_a_sequence_advances_only_when_its_clock_closes_the_rooms() -> None:
    sequence = rounds.RoundSequence(session_id=1, rounds=(rounds.Round("topic", 10), rounds.Round("jigsaw", 10)))
    first = rounds.plan_round(1, "topic", _people(4), [], [], room_count=2)
    running = rounds.started(sequence, first, ["a", "b"])
    assert (running.current, running.state, running.round_of("b")) == (1, rounds.RUNNING, 1)
    assert rounds.advances(running, rooms_live_before=True, rooms_live_after=False, by_clock=True)
    assert not rounds.advances(running, rooms_live_before=True, rooms_live_after=False, by_clock=False)
    assert not rounds.advances(running, rooms_live_before=True, rooms_live_after=True, by_clock=True)
    last = rounds.started(running, rounds.plan_round(2, "jigsaw", _people(4), [], running.past), ["c", "d"])
    assert not last.has_next() and rounds.finished(last, rooms_live_after=False).state == rounds.FINISHED
    assert get_args(RoundStrategy) == rounds.ROUND_STRATEGIES  # the wire names the planner's strategies
    with pytest.raises(rounds.RoundsError):
        rounds.Round("alphabetical", 10)
    with pytest.raises(rounds.RoundsError):
        rounds.RoundSequence(session_id=1, rounds=())
