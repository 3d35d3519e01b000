"""Times the breakout planner against the greedy baseline on a synthetic academy.

    python bench/breakout_plan.py [participants] [rooms] [repeats]

The last line printed is JSON. The roster is seeded, so runs are comparable:
interests are lopsided (a few topics are everyone's favourite, a long tail is
nobody's first choice) and 60% of people come in School Leadership Teams of 3.
"""
from __future__ import annotations

import json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from rooms.planning import Person, Plan, PlanOptions, Topic, greedy_plan, plan_breakouts  # noqa: E402

TOPIC_NAMES = ["Professional Learning", "Parent Engagement", "Technology Access and Equity",
               "Best Practices in Math", "Literacy Across Subjects", "Digital Citizenship",
               "Device Inventory", "Supporting New Teachers", "Data-Driven Instruction", "Science Labs Online",
               "Family Tech Nights", "Assessment Tools", "English Learners", "Special Education Tech",
               "Leadership Coaching", "Community Partnerships"]
ROLES = ["teacher"] * 5 + ["principal", "coach", "technician", "administrator", "support_staff",
                           "district_leader"]


def synthetic_academy(participants: int, seed: int = 2024) -> tuple[list[Person], list[Topic]]:
    rng = random.Random(seed)
    topics = [Topic(f"t{i}", name) for i, name in enumerate(TOPIC_NAMES)]
    weights = [1 / (rank + 1) ** 1.3 for rank in range(len(topics))]  # Zipf-like popularity
    people = []
    for i in range(participants):
        wanted: list[str] = []
        for _ in range(rng.randint(1, 4)):
            choice = rng.choices(topics, weights)[0].id
            if choice not in wanted:
                wanted.append(choice)
        team = f"slt{i // 3}" if i < participants * 0.6 else None
        people.append(Person(i, rng.choice(ROLES), school=f"s{i // 3}", team=team,
                             region=rng.choice(["North", "Central", "South"]), interests=tuple(wanted),
                             name=f"Participant {i}"))
    return people, topics


def _best_ms(run: Callable[[], Plan], repeats: int) -> tuple[float, float, Plan]:
    times, plan = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        plan = run()
        times.append((time.perf_counter() - start) * 1000)
    assert plan is not None
    return min(times), statistics.median(times), plan


def _compare(people: list[Person], topics: list[Topic], options: PlanOptions, repeats: int,
             prefix: str) -> dict[str, object]:
    best, median, plan = _best_ms(lambda: plan_breakouts(people, topics, options), repeats)
    g_best, g_median, greedy = _best_ms(lambda: greedy_plan(people, topics, options), repeats)
    return {
        f"{prefix}sizes": f"{options.min_size}-{options.max_size}", f"{prefix}rooms": len(plan.rooms),
        f"{prefix}planner_room_sizes": f"{plan.stats.smallest}-{plan.stats.largest}",
        f"{prefix}planner_ms_best": round(best, 2), f"{prefix}planner_ms_median": round(median, 2),
        f"{prefix}greedy_ms_best": round(g_best, 2), f"{prefix}greedy_ms_median": round(g_median, 2),
        f"{prefix}ratio_planner_to_greedy": round(best / g_best, 2),
        f"{prefix}planner_first_choice_share": plan.stats.first_choice_share,
        f"{prefix}planner_any_interest_share": plan.stats.any_interest_share,
        f"{prefix}greedy_first_choice_share": greedy.stats.first_choice_share,
        f"{prefix}greedy_any_interest_share": greedy.stats.any_interest_share,
    }


def time_plan(participants: int = 1000, rooms: int = 100, repeats: int = 5) -> dict[str, object]:
    """Planner vs greedy on the same rooms: sizes 70-130% of average (the headline
    figures), then "tight_": every room exactly average, where choices collide most."""
    people, topics = synthetic_academy(participants)
    average = participants / rooms
    ranged = PlanOptions(room_count=rooms, min_size=max(1, math.floor(average * 0.7)),
                         max_size=math.ceil(average * 1.3), seed=1)
    tight = replace(ranged, min_size=math.floor(average), max_size=math.ceil(average))
    together_ms, _, together = _best_ms(
        lambda: plan_breakouts(people, topics, replace(ranged, teams="together")), repeats)
    return {"participants": participants, "repeats": repeats,
            **_compare(people, topics, ranged, repeats, ""), **_compare(people, topics, tight, repeats, "tight_"),
            "together_planner_ms_best": round(together_ms, 2),
            "together_any_interest_share": together.stats.any_interest_share}


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    result = time_plan(*args)
    for key, value in result.items():
        print(f"{key:>34}: {value}")
    print(json.dumps(result))
