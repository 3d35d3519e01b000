"""Algorithms behind the breakout planner, on plain indexes and group keys.

Nothing here knows about people or topics: a *unit* is a list of roster indexes
that must share a room (one person, or a School Leadership Team kept together)
plus the *groups* it wants, best first (topic ids, role groups or regions).
rooms.planning turns a roster into units and these results back into a Plan.
"""
from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    people: tuple[int, ...]  # roster indexes; more than one only for teams="together"
    wants: tuple[str, ...]  # group keys, best first; empty = happy anywhere

    @property
    def size(self) -> int:
        return len(self.people)


def room_budget(n: int, room_count: int | None, min_size: int | None,
                max_size: int | None) -> tuple[int, int, int | None]:
    """(rooms, effective min, effective max) for n people; see PlanOptions."""
    if n == 0:
        return 0, 0, max_size
    lo = min_size or 1
    fewest = math.ceil(n / max_size) if max_size else 1
    most = n // lo
    if room_count is not None:
        target = room_count
    elif min_size and max_size:
        target = round(n / ((min_size + max_size) / 2))  # aim mid-range: leaves slack for choices
    else:
        target = fewest if max_size else most
    if fewest > most:  # min and max cannot both hold: max wins (it is the room's capacity)
        return fewest, n // fewest, max_size
    return min(max(target, fewest), most), lo, max_size


def open_groups(units: Sequence[Unit], group_order: Sequence[str], rooms: int,
                lo: int) -> dict[str, int]:
    """Groups that get rooms, with their first-choice demand (people).

    A group whose first-choice demand cannot fill one room (< lo), or the
    weakest group when there are more groups than rooms, is closed and its
    people fall through to their next choice; repeat until stable.
    """
    rank = {g: i for i, g in enumerate(group_order)}
    is_open = {g: False for g in group_order}
    for unit in units:
        for g in unit.wants:
            is_open[g] = True
    pointer = [0] * len(units)
    holders: dict[str, list[int]] = {g: [] for g in group_order}
    demand = {g: 0 for g in group_order}

    def advance(u: int) -> None:
        wants = units[u].wants
        while pointer[u] < len(wants) and not is_open[wants[pointer[u]]]:
            pointer[u] += 1
        if pointer[u] < len(wants):
            holders[wants[pointer[u]]].append(u)
            demand[wants[pointer[u]]] += units[u].size

    for u in range(len(units)):
        advance(u)
    while True:
        live = [g for g in group_order if is_open[g]]
        pool = live if len(live) > rooms else [g for g in live if demand[g] < lo]
        if not pool:
            return {g: demand[g] for g in live}
        victim = min(pool, key=lambda g: (demand[g], -rank[g]))
        is_open[victim] = False
        for u in holders.pop(victim):
            advance(u)


def apportion(demand: dict[str, int], rooms: int, lo: int) -> dict[str, int]:
    """Rooms per group: one each, the rest by highest average (D'Hondt).

    Groups whose own demand can fill one more room of `lo` are served first,
    so min_size holds from demand alone whenever that is possible.
    """
    count = {g: 1 for g in demand}
    for _ in range(rooms - len(demand)):
        best = max(demand, key=lambda g: ((count[g] + 1) * lo <= demand[g],
                                          demand[g] / (count[g] + 1)))
        count[best] += 1
    return count


# The shared pool of "one more than lo" places, as a node of the augmenting-path search.
_SPARE = "\0spare"


@dataclass(frozen=True)
class Sizes:
    """Room sizes to plan for: every room holds ``lo`` to ``hi`` people; with ``spare``
    set, only that many rooms (all groups together) may hold more than ``lo`` — with
    hi = lo + 1 and spare = n mod rooms, every room has lo or lo + 1 people."""

    lo: int
    hi: int | None
    spare: int | None = None


def even_sizes(n: int, rooms: int) -> Sizes:
    """Rooms whose sizes differ by at most one: n // rooms each, n % rooms of them one more."""
    q, extra = divmod(n, rooms) if rooms else (0, 0)
    return Sizes(q, q + 1 if extra else q, extra)


class _Assigner:
    """Working state of one assignment run; never escapes assign_units."""

    def __init__(self, units: Sequence[Unit], rooms: dict[str, int], sizes: Sizes) -> None:
        self.units = units
        self.rooms = rooms
        self.low = {g: r * sizes.lo for g, r in rooms.items()}
        self.cap = {g: r * sizes.hi if sizes.hi else math.inf for g, r in rooms.items()}
        self.spare = sizes.spare
        self.over = 0  # people above their group's low, summed over groups (at most spare)
        self.where: list[str | None] = [None] * len(units)
        self.load = {g: 0 for g in rooms}
        self.members: dict[str, dict[int, None]] = {g: {} for g in rooms}  # ordered sets
        # edges[a][b]: movable people in a who want b; fillers[a]: movable people in a who don't want a
        self.edges: dict[str, dict[str, int]] = {g: {} for g in rooms}
        self.fillers = {g: 0 for g in rooms}

    def _above(self, g: str, load: int) -> int:
        return max(0, load - self.low[g])

    def fits(self, g: str, size: int) -> bool:
        """Room for ``size`` more in g, within its rooms' max and the shared spare places."""
        load = self.load[g]
        if load + size > self.cap[g]:
            return False
        return self.spare is None or self.over + self._above(g, load + size) - self._above(g, load) <= self.spare

    def _track(self, u: int, g: str, delta: int) -> None:
        unit = self.units[u]
        before = self.load[g]
        self.load[g] += delta * unit.size
        self.over += self._above(g, self.load[g]) - self._above(g, before)
        if unit.size != 1:  # only single people are ever moved after seating
            return
        for b in unit.wants:
            if b != g and b in self.rooms:
                self.edges[g][b] = self.edges[g].get(b, 0) + delta
        if g not in unit.wants:
            self.fillers[g] += delta

    def place(self, u: int, g: str) -> None:
        self.where[u] = g
        self.members[g][u] = None
        self._track(u, g, +1)

    def move(self, u: int, g: str) -> None:
        old = self.where[u]
        assert old is not None
        del self.members[old][u]
        self._track(u, old, -1)
        self.place(u, g)

    def seat_by_choice(self, order: Sequence[int]) -> list[int]:
        """Everyone into their best group with space; returns who did not fit."""
        pending = []
        for u in order:
            unit = self.units[u]
            fit = [g for g in unit.wants if g in self.rooms and self.fits(g, unit.size)]
            if fit:
                self.place(u, fit[0])
            else:
                pending.append(u)
        return pending

    def augment(self, pending: Sequence[int]) -> list[int]:
        """Seat pending people by shifting others along their other interests.

        This is Ford-Fulkerson on the topic graph, so the number of people in a
        wanted group ends maximal. A search that fails marks every topic it saw
        as dead: augmenting never lets a dead topic reach free space again.

        With even sizes, a group's places above its low are shared with every
        other group (Sizes.spare): the flow network gets one more node, _SPARE,
        between the groups and the sink. A full spare pool is reached through
        any group with a free place (a → _SPARE) and hands that spare place on
        by taking one from a group above its low (_SPARE → b), which then
        passes one of its people along as if it had received someone.
        """
        dead: set[str] = set()
        left = []
        for u in pending:
            starts = [g for g in self.units[u].wants if g in self.rooms and g not in dead]
            path = self._path_to_space(starts, dead) if self.units[u].size == 1 else None
            if path is None:
                left.append(u)
                continue
            for a, b in reversed(list(zip(path, path[1:]))):
                if _SPARE not in (a, b):  # a → _SPARE → b: a takes b's spare place, nobody moves
                    self.move(self._pick(a, b, fillers_ok=False), b)
            self.place(u, path[0])
        return left

    def _next(self, a: str) -> list[str]:
        """Where a group can pass one person on (or, for _SPARE, who gives up a spare place)."""
        if a == _SPARE:
            return [b for b in self.rooms if self.load[b] > self.low[b]]
        nxt = [b for b, count in self.edges[a].items() if count > 0]
        if self.spare is not None and self.load[a] + 1 <= self.cap[a] and self.load[a] >= self.low[a]:
            nxt.append(_SPARE)  # a has a free place, only the spare pool is full
        return nxt

    def _path_to_space(self, starts: list[str], dead: set[str]) -> list[str] | None:
        parent: dict[str, str | None] = {g: None for g in starts}
        queue = deque(starts)
        while queue:
            a = queue.popleft()
            if a != _SPARE and self.fits(a, 1):
                path = [a]
                while (prev := parent[path[-1]]) is not None:
                    path.append(prev)
                return path[::-1]
            for b in self._next(a):
                if b not in parent and b not in dead:
                    parent[b] = a
                    queue.append(b)
        dead.update(parent)
        return None

    def _pick(self, a: str, b: str, fillers_ok: bool) -> int:
        """The single person in a who loses least by moving to b."""
        def cost(u: int) -> tuple[int, int]:
            wants = self.units[u].wants
            rank = {g: i for i, g in enumerate(wants)}
            lost = int(a in rank) - int(b in rank)  # 1: leaves a wanted group for an unwanted one
            return lost, rank.get(b, len(wants)) - rank.get(a, len(wants))
        movable = [u for u in self.members[a] if self.units[u].size == 1
                   and (fillers_ok or b in self.units[u].wants)]
        return min(movable, key=cost)

    def seat_fillers(self, left: Sequence[int]) -> None:
        """People with no wanted space go where rooms are short, then emptiest."""
        def urgency(g: str) -> tuple[int, float]:
            short = self.low[g] - self.load[g]
            return (0, -short) if short > 0 else (1, self.load[g] / self.rooms[g])

        for u in sorted(left, key=lambda u: -self.units[u].size):
            size = self.units[u].size
            fits = [g for g in self.rooms if self.fits(g, size)]
            self.place(u, min(fits or self.rooms, key=urgency))

    def repair(self) -> None:
        """Lift groups below rooms x min_size, cheapest moves first."""
        for d in self.rooms:
            while self.load[d] < self.low[d] and self._pull_into(d):
                pass

    def _pull_into(self, d: str) -> bool:
        parent: dict[str, str | None] = {d: None}
        queue = deque([d])
        while queue:  # backwards search along moves that cost no one their interest
            a = queue.popleft()
            if a != d and self.load[a] > self.low[a]:
                while (nxt := parent[a]) is not None:
                    self.move(self._pick(a, nxt, fillers_ok=True), nxt)
                    a = nxt
                return True
            for b in self.rooms:
                if b not in parent and (self.edges[b].get(a, 0) > 0 or self.fillers[b] > 0):
                    parent[b] = a
                    queue.append(b)
        return self._pull_at_a_loss(d)

    def _pull_at_a_loss(self, d: str) -> bool:
        """Last resort: take someone from the fullest group even though they want it."""
        donors = [g for g in self.rooms if self.load[g] > self.low[g]
                  and any(self.units[u].size == 1 for u in self.members[g])]
        if not donors:
            return False  # only whole teams left to move: min_size is best effort then
        source = max(donors, key=lambda g: self.load[g] - self.low[g])
        self.move(self._pick(source, d, fillers_ok=True), d)
        return True


def assign_units(units: Sequence[Unit], rooms: dict[str, int], sizes: Sizes,
                 rng: random.Random) -> dict[str, list[int]]:
    """Unit indexes per group: interests maximised within room x size bounds."""
    order = list(range(len(units)))
    rng.shuffle(order)  # who gets bumped from a full topic is the seed's choice, not roster order
    order.sort(key=lambda u: -units[u].size)  # teams first: they cannot be shifted later
    state = _Assigner(units, rooms, sizes)
    left = state.augment(state.seat_by_choice(order))
    state.seat_fillers(left)
    state.repair()
    return {g: list(state.members[g]) for g in rooms}


def split_group(units: Sequence[Unit], rooms: int, hi: int | None, teams: str,
                team_of: Sequence[str | None], rng: random.Random) -> list[list[int]]:
    """Roster indexes per room for one group's units."""
    if teams == "together":
        return _pack(units, rooms, hi, rng)
    blocks: dict[object, list[int]] = {}
    for unit in units:
        for p in unit.people:
            key = team_of[p] if teams == "spread" and team_of[p] is not None else ("solo", p)
            blocks.setdefault(key, []).append(p)
    ordered = list(blocks.values())
    rng.shuffle(ordered)
    # Dealing round-robin keeps sizes within one; a team dealt consecutively
    # lands in distinct rooms whenever it has no more members than there are rooms.
    dealt: list[list[int]] = [[] for _ in range(rooms)]
    for i, p in enumerate(p for block in ordered for p in block):
        dealt[i % rooms].append(p)
    return dealt


def _pack(units: Sequence[Unit], rooms: int, hi: int | None, rng: random.Random) -> list[list[int]]:
    """Largest unit first into the emptiest room it fits; a new room if none fits."""
    shuffled = list(units)
    rng.shuffle(shuffled)
    shuffled.sort(key=lambda unit: -unit.size)
    packed: list[list[int]] = [[] for _ in range(rooms)]
    for unit in shuffled:
        fits = [r for r in packed if hi is None or len(r) + unit.size <= hi]
        if not fits:  # cohesion beats the room count: open one more room
            packed.append([])
            fits = packed[-1:]
        min(fits, key=len).extend(unit.people)
    return packed


def greedy_rooms(first_choice: Sequence[str | None], rooms: dict[str, int],
                 sizes: Sizes) -> list[tuple[str, list[int]]]:
    """Baseline: each person, in roster order, to the least-full room of their
    first choice; if it has no room with space, to the least-full room overall.
    Rooms hold sizes.lo to sizes.hi people (only sizes.spare of them above lo)."""
    layout: list[tuple[str, list[int]]] = [(g, []) for g, r in rooms.items() for _ in range(r)]
    heaps: dict[str | None, list[tuple[int, int]]] = {g: [] for g in rooms}
    for i, (g, _) in enumerate(layout):
        heaps[g].append((0, i))
    overall = [(0, i) for i in range(len(layout))]
    spare = [sizes.spare]

    def has_space(size: int) -> bool:  # only ever turns False for a room: it never empties
        if size < sizes.lo:
            return True
        return (sizes.hi is None or size < sizes.hi) and (spare[0] is None or spare[0] > 0)

    def least_full(heap: list[tuple[int, int]]) -> int | None:
        while heap:  # entries go stale as rooms grow, and full rooms never empty again
            size, i = heap[0]
            if size == len(layout[i][1]) and has_space(size):
                return i
            heapq.heappop(heap)
        return None

    for p, choice in enumerate(first_choice):
        found = least_full(heaps.get(choice, []))
        found = least_full(overall) if found is None else found
        # None only when people outnumber rooms x max_size
        i = min(range(len(layout)), key=lambda r: len(layout[r][1])) if found is None else found
        if len(layout[i][1]) >= sizes.lo and spare[0] is not None:
            spare[0] -= 1
        layout[i][1].append(p)
        heapq.heappush(heaps[layout[i][0]], (len(layout[i][1]), i))
        heapq.heappush(overall, (len(layout[i][1]), i))
    return layout
