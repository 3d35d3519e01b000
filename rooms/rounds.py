"""Multi-round breakouts: a sequence of rounds, and who goes where in the next one. Pure.

A moderator runs several rounds in one breakout session (a jigsaw: round 1 by topic,
round 2 mixed; role then region; rotations where nobody meets twice). Each round is
planned from the people here now and the rooms of the rounds before it:

* ``topic`` / ``role`` / ``region`` / ``random``: rooms.planning.plan_breakouts, as for
  one round.
* ``jigsaw``: each new room gets one person from each room of the round before, as far
  as sizes allow. Guarantees (property-tested): with r new rooms, every previous room
  that still has at least r people here sends someone to every new room, and no new room
  gets two people from a previous room that has at most r people here. How: the previous
  rooms' people, room after room, are dealt round-robin into the new rooms — r consecutive
  people cover every new room once. Then swaps of two people from the same previous room
  (which keep every room's mix) lower the pairs who met in rounds before that one (a second
  jigsaw of even rooms repeats no pair: tested).
* ``rotation``: no pair of people meets twice across all rounds while a plan without
  repeats exists. A greedy start, then swaps that remove repeated pairs, then (for rooms
  of up to ``EXACT_UP_TO`` people) an exhaustive search with a node budget, which either
  finds a plan without repeats or proves there is none. When none exists the plan says
  so and keeps repeats few (``RoundPlan.repeats``, ``RoundPlan.repeat_free``).

Every strategy: no one lost or duplicated, room sizes differ by at most one (for topic /
role / region: rooms.planning's guarantees), the same input and seed give the same plan.
"""
from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

from rooms.planning import (
    DEFAULT_EXCLUDED,
    STRATEGIES,
    Person,
    PersonId,
    Plan,
    PlanError,
    PlannedRoom,
    PlanOptions,
    Topic,
    Unplaced,
    compute_stats,
    here_now,
    plan_breakouts,
)

MIXING = ("jigsaw", "rotation")
ROUND_STRATEGIES = (*STRATEGIES, *MIXING)
MAX_ROUNDS = 12
EXACT_UP_TO = 40  # people: the exhaustive rotation search runs below this
EXACT_BUDGET = 50_000  # search nodes; beyond it the best plan found so far stands
JIGSAW_TRIES = 8  # dealings tried when earlier rounds make some pairs repeat
DEFAULT_ROOM_SIZE = 4  # a mixing first round with no room count: rooms of about four
# Sequence states: defined (not started), running, finished (the last round closed), stopped (by a moderator).
DEFINED, RUNNING, FINISHED, STOPPED = "defined", "running", "finished", "stopped"

Rooms = Sequence[Sequence[PersonId]]


class RoundsError(PlanError):
    """A sequence or round that cannot be planned as asked."""


@dataclass(frozen=True)
class Round:
    strategy: str
    minutes: float

    def __post_init__(self) -> None:
        if self.strategy not in ROUND_STRATEGIES:
            raise RoundsError(f"unknown round strategy {self.strategy!r}; use one of {ROUND_STRATEGIES}")
        if not 0 < self.minutes <= 24 * 60:
            raise RoundsError("a round lasts more than 0 and at most 1440 minutes")


@dataclass(frozen=True)
class RoundSequence:
    """The rounds of one breakout session and how far they got. ``past``: the rooms of the
    rounds opened so far (members when each opened), what the next round mixes against."""

    session_id: int
    rounds: tuple[Round, ...]
    grace_seconds: float = 60.0
    room_count: int | None = None
    seed: int = 0
    run: int = 0  # tells this sequence's room keys from an earlier one's in the same session
    current: int = 0  # the round running (1-based); 0 = not started
    state: str = DEFINED
    past: tuple[tuple[tuple[PersonId, ...], ...], ...] = ()
    room_keys: tuple[tuple[str, ...], ...] = ()  # each round's rooms: whose Top 5 is whose
    repeats: int = 0  # pairs meeting again in the current round
    note: str = ""  # what the planner had to say about the current round

    def __post_init__(self) -> None:
        if not 1 <= len(self.rounds) <= MAX_ROUNDS:
            raise RoundsError(f"a sequence has 1 to {MAX_ROUNDS} rounds")
        if self.grace_seconds < 0:
            raise RoundsError("the wrap-up countdown cannot be negative")

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def has_next(self) -> bool:
        return self.running and self.current < len(self.rounds)

    def round_of(self, room_key: str) -> int | None:
        """The round (1-based) a room belongs to, if it is one of this sequence's."""
        return next((n for n, keys in enumerate(self.room_keys, 1) if room_key in keys), None)


# ---- the sequence's decisions -------------------------------------------------------------

def advances(sequence: RoundSequence | None, rooms_live_before: bool, rooms_live_after: bool,
             by_clock: bool) -> bool:
    """Whether the next round opens now: the running round's rooms have just all closed
    because its time (and wrap-up countdown) ran out, and a round is left. A moderator's
    "End now" closes rooms without advancing (it stops the sequence: ``stopped_by_hand``)."""
    return (sequence is not None and sequence.has_next() and by_clock
            and rooms_live_before and not rooms_live_after)


def finished(sequence: RoundSequence, rooms_live_after: bool) -> RoundSequence:
    """The sequence after its rooms closed with no round to follow."""
    if sequence.running and not rooms_live_after and not sequence.has_next():
        return replace(sequence, state=FINISHED)
    return sequence


def started(sequence: RoundSequence, planned: RoundPlan, keys: Sequence[str]) -> RoundSequence:
    """The sequence once its next round's rooms opened with ``keys``."""
    rooms = tuple(tuple(r.members) for r in planned.plan.rooms)
    return replace(sequence, current=sequence.current + 1, state=RUNNING, past=(*sequence.past, rooms),
                   room_keys=(*sequence.room_keys, tuple(keys)), repeats=planned.repeats, note=planned.note)


# ---- planning one round -------------------------------------------------------------------

@dataclass(frozen=True)
class RoundPlan:
    plan: Plan
    repeats: int = 0  # pairs of people who met in an earlier round and meet again
    repeat_free: bool | None = True  # False: proven impossible; None: none found (search gave up)
    note: str = ""


def pairs(rooms: Iterable[Iterable[PersonId]]) -> set[frozenset[PersonId]]:
    """Every pair of people who share a room."""
    return {frozenset(pair) for room in rooms for pair in combinations(list(room), 2)}


def repeated_pairs(rooms: Rooms, past: Sequence[Rooms]) -> int:
    met = set().union(*(pairs(r) for r in past)) if past else set()
    return len(pairs(rooms) & met)


def plan_round(number: int, strategy: str, people: Sequence[Person], topics: Sequence[Topic],
               past: Sequence[Rooms], *, room_count: int | None = None, seed: int = 0, run: int = 0,
               exclude_roles: Collection[str] = DEFAULT_EXCLUDED,
               connected: Collection[PersonId] | None = None) -> RoundPlan:
    """Plan round ``number`` (1-based) for the people here (``connected``; None: everyone).
    Room keys start "v<run>r<number>-" and names "Round <number> · ", so every round's rooms
    (and their Top 5) stay apart."""
    if strategy not in ROUND_STRATEGIES:
        raise RoundsError(f"unknown round strategy {strategy!r}; use one of {ROUND_STRATEGIES}")
    round_seed = seed * 1_000 + number  # each round shuffles differently, reproducibly
    if strategy in STRATEGIES:
        options = PlanOptions(strategy=strategy, room_count=room_count, exclude_roles=frozenset(exclude_roles),
                              seed=round_seed)
        planned = plan_breakouts(people, topics, options, connected)
        result = RoundPlan(planned, repeated_pairs([r.members for r in planned.rooms], past))
        if result.repeats:
            result = replace(result, repeat_free=None)
    else:
        here, absent = here_now(people, connected, exclude_roles)
        placed = [p.id for p in here if p.convening_role not in exclude_roles]
        unplaced = [Unplaced(p.id, f"excluded role: {p.convening_role}")
                    for p in here if p.convening_role in exclude_roles]
        rng = random.Random(round_seed)
        if strategy == "jigsaw":
            rooms, free = jigsaw(placed, past, room_count, rng), None
        else:
            rooms, free = rotation(placed, past, room_count, rng)
        plan_rooms = [PlannedRoom(f"room-{i}", f"Room {i}", None, list(members)) for i, members in
                      enumerate(rooms, 1) if members]
        planned = Plan(plan_rooms, unplaced, compute_stats(plan_rooms, unplaced, {}, absent), strategy, {}, absent)
        repeats = repeated_pairs(rooms, past)
        result = RoundPlan(planned, repeats, True if repeats == 0 else free)
    return _labelled(replace(result, note=_note(result, strategy)), number, run)


def _note(result: RoundPlan, strategy: str) -> str:
    if not result.repeats:
        return ""
    if strategy != "rotation":  # only rotation promises no repeats; the others just say how many
        return f"{result.repeats} pair(s) of people meet again."
    why = ("no plan without repeats exists for these rooms" if result.repeat_free is False
           else "no plan without repeats was found")
    return f"{result.repeats} pair(s) of people meet again: {why}."


def _labelled(result: RoundPlan, number: int, run: int) -> RoundPlan:
    rooms = [replace(r, key=f"v{run}r{number}-{r.key}", name=f"Round {number} · {r.name}")
             for r in result.plan.rooms]
    return replace(result, plan=replace(result.plan, rooms=rooms))


def _room_total(n: int, room_count: int | None, default: int) -> int:
    return max(1, min(n, room_count or default)) if n else 0


# ---- jigsaw ----------------------------------------------------------------------------------

def jigsaw(people: Sequence[PersonId], past: Sequence[Rooms], room_count: int | None,
           rng: random.Random) -> list[list[PersonId]]:
    """New rooms with one person from each room of the last round, as far as sizes allow
    (module doc); among such plans, few pairs who met in any earlier round. Default room
    count: people // last round's rooms, so each new room is as big as there were rooms."""
    here = set(people)
    groups = [[p for p in room if p in here] for room in (past[-1] if past else ())]
    groups = [g for g in groups if g]
    seen = {p for g in groups for p in g}
    newcomers = [p for p in people if p not in seen]
    rng.shuffle(groups)
    groups.sort(key=len, reverse=True)  # stable: equal sizes keep the shuffled order
    default = len(people) // len(groups) if groups else -(-len(people) // DEFAULT_ROOM_SIZE)
    total = _room_total(len(people), room_count, max(1, default))
    origin = {p: i for i, g in enumerate([*groups, newcomers]) for p in g}
    met = set().union(*(pairs(rooms) for rooms in past[:-1])) if len(past) > 1 else set()
    best: list[list[PersonId]] = []
    for _ in range(JIGSAW_TRIES if met and len(people) <= 200 else 1):
        for group in [*groups, newcomers]:
            rng.shuffle(group)
        rooms: list[list[PersonId]] = [[] for _ in range(total)]
        for i, person in enumerate(p for g in [*groups, newcomers] for p in g):
            rooms[i % total].append(person)
        rooms = _fewer_repeats(rooms, origin, met)
        if not best or len(pairs(rooms) & met) < len(pairs(best) & met):
            best = rooms
        if not pairs(best) & met:
            break
    return best


def _fewer_repeats(rooms: list[list[PersonId]], origin: dict[PersonId, int],
                   met: set[frozenset[PersonId]]) -> list[list[PersonId]]:
    """Swaps of two people from the same earlier room between new rooms (so every room keeps
    its mix of earlier rooms) while they lower the pairs who meet again."""
    def known(p: PersonId, room: list[PersonId], without: PersonId | None = None) -> int:
        return sum(1 for q in room if q != p and q != without and frozenset((p, q)) in met)

    for _ in range(20):
        better = False
        for i, room in enumerate(rooms):
            for a in [p for p in room if known(p, room)]:
                for j, other in enumerate(rooms):
                    b = next((b for b in other if j != i and origin[b] == origin[a]
                              and known(a, other, b) + known(b, room, a) < known(a, room) + known(b, other)), None)
                    if b is not None:
                        room[room.index(a)], other[other.index(b)] = b, a
                        better = True
                        break
        if not better:
            break
    return rooms


# ---- rotation --------------------------------------------------------------------------------

def rotation(people: Sequence[PersonId], past: Sequence[Rooms], room_count: int | None,
             rng: random.Random) -> tuple[list[list[PersonId]], bool | None]:
    """Rooms in which nobody meets anyone they met before, if possible; (rooms, repeat_free)
    where repeat_free is True (no repeats), False (proven impossible) or None (none found).
    Default room count: the last round's."""
    order = list(people)
    rng.shuffle(order)
    n = len(order)
    if n == 0:
        return [], True
    last = [r for r in (past[-1] if past else ()) if r]
    total = _room_total(n, room_count, len(last) or -(-n // DEFAULT_ROOM_SIZE))
    size, extra = divmod(n, total)
    targets = [size + 1] * extra + [size] * (total - extra)  # sizes differ by at most one
    index = {p: i for i, p in enumerate(order)}
    met = [0] * n  # bitmask of whom each has met
    for rooms in past:
        for room in rooms:
            ids = [index[p] for p in room if p in index]
            for a, b in combinations(ids, 2):
                met[a] |= 1 << b
                met[b] |= 1 << a
    search = _Rotation(met, targets, rng)
    best = search.improved(search.greedy())
    free: bool | None = True
    if search.cost(best):
        free = None
        if n <= EXACT_UP_TO:
            found, exhausted = search.exact()
            if found is not None:
                best = found
            elif exhausted:
                free = False
    return [[order[i] for i in room] for room in best], free


@dataclass
class _Rotation:
    met: list[int]
    targets: list[int]
    rng: random.Random
    nodes: int = field(default=0)

    def cost(self, rooms: list[list[int]]) -> int:
        return sum(bin(self.met[a] & self._mask(room)).count("1") for room in rooms for a in room) // 2

    @staticmethod
    def _mask(room: Iterable[int]) -> int:
        mask = 0
        for p in room:
            mask |= 1 << p
        return mask

    def greedy(self) -> list[list[int]]:
        """The most-met first, each into the room with space where they know fewest."""
        rooms: list[list[int]] = [[] for _ in self.targets]
        people = sorted(range(len(self.met)), key=lambda p: -bin(self.met[p]).count("1"))
        for p in people:
            options = [i for i, room in enumerate(rooms) if len(room) < self.targets[i]]
            rooms[min(options, key=lambda i: (bin(self.met[p] & self._mask(rooms[i])).count("1"),
                                              len(rooms[i]) - self.targets[i], i))].append(p)
        return rooms

    def _known(self, p: int, room: list[int], without: int = -1) -> int:
        return sum(1 for q in room if q != without and q != p and self.met[p] >> q & 1)

    def improved(self, rooms: list[list[int]], rounds: int = 20) -> list[list[int]]:
        """Swaps that lower the repeats (or keep them, to leave a plateau), best plan kept."""
        best, best_cost = [list(r) for r in rooms], self.cost(rooms)
        cost, steps = best_cost, min(rounds * len(self.met), 1_000)
        while cost and steps > 0:
            steps -= 1
            clashing = [(i, p) for i, room in enumerate(rooms) for p in room if self._known(p, room)]
            i, p = self.rng.choice(clashing)
            moves = []
            for j, other in enumerate(rooms):
                if j == i:
                    continue
                for q in other:
                    delta = (self._known(p, other, q) + self._known(q, rooms[i], p)
                             - self._known(p, rooms[i]) - self._known(q, other))
                    moves.append((delta, j, q))
            if not moves:
                break
            low = min(m[0] for m in moves)
            if low > 0:
                continue
            delta, j, q = self.rng.choice([m for m in moves if m[0] == low])
            rooms[i][rooms[i].index(p)], rooms[j][rooms[j].index(q)] = q, p
            cost += delta
            if cost < best_cost:
                best, best_cost = [list(r) for r in rooms], cost
        return best

    def exact(self) -> tuple[list[list[int]] | None, bool]:
        """(rooms without repeats or None, whether the search covered every plan)."""
        n = len(self.met)
        free = [((1 << n) - 1) & ~self.met[p] & ~(1 << p) for p in range(n)]
        sizes = sorted(self.targets, reverse=True)
        if any(bin(f).count("1") < sizes[-1] - 1 for f in free):
            return None, True  # someone has met too many of the others to fill any room
        self.nodes = 0
        rooms: list[list[int]] = []

        def fill(unassigned: int, hi_left: int, lo_left: int, lo: int, hi: int) -> bool:
            if not unassigned:
                return True
            self.nodes += 1
            if self.nodes > EXACT_BUDGET:
                raise _OutOfBudget
            anchor = (unassigned & -unassigned).bit_length() - 1
            for size, left in ((hi, hi_left), (lo, lo_left)):
                if left == 0:
                    continue
                room = [anchor]
                if pick(room, free[anchor] & unassigned & ~((1 << (anchor + 1)) - 1), size - 1,
                        unassigned & ~(1 << anchor), hi_left - (size == hi), lo_left - (size != hi), lo, hi):
                    return True
                if hi == lo:
                    break
            return False

        def pick(room: list[int], candidates: int, need: int, unassigned: int, hi_left: int, lo_left: int,
                 lo: int, hi: int) -> bool:
            if need == 0:
                rooms.append(list(room))
                if fill(unassigned, hi_left, lo_left, lo, hi):
                    return True
                rooms.pop()
                return False
            while candidates and bin(candidates).count("1") >= need:
                q = (candidates & -candidates).bit_length() - 1
                candidates &= candidates - 1
                room.append(q)
                if pick(room, candidates & free[q], need - 1, unassigned & ~(1 << q), hi_left, lo_left, lo, hi):
                    return True
                room.pop()
            return False

        hi, lo = sizes[0], sizes[-1]
        hi_count = sum(1 for s in sizes if s == hi)
        lo_count = len(sizes) - hi_count if hi != lo else 0
        try:
            found = fill((1 << n) - 1, hi_count, lo_count, lo, hi)
        except _OutOfBudget:
            return None, False
        return (rooms if found else None), True


class _OutOfBudget(Exception):
    pass
