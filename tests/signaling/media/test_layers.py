"""Which simulcast layer each of a subscriber's videos gets (layers.py): pure decisions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaling.media.errors import MediaError
from signaling.media.layers import (
    AT_CAP,
    CALM,
    FIRST_TRY,
    MAX_TRY,
    TRIAL,
    UP_HOLD,
    LayerChooser,
    Video,
    ceiling,
    check_layers,
    cost,
    fit,
)

LADDER = (150_000.0, 450_000.0, 1_200_000.0)
HEIGHTS = (180, 360, 720)
AUDIO = 32_000.0


def camera(key: str, current: int | None = None, size: int | None = None, priority: int = 0) -> Video:
    return Video(key, LADDER, HEIGHTS, current, size, priority)


def test_a_small_tile_gets_the_smallest_layer_at_least_as_tall() -> None:
    assert ceiling(camera("a", size=90)) == 0
    assert ceiling(camera("a", size=181)) == 1
    assert ceiling(camera("a", size=360)) == 1
    assert ceiling(camera("a", size=2000)) == 2  # taller than any: the top
    assert ceiling(camera("a")) == 2  # no size: large


def test_the_stage_is_upgraded_before_the_thumbnails() -> None:
    stage, thumb = camera("stage", priority=0), camera("thumb", priority=1)
    assert fit(1_700_000, [thumb, stage]) == {"stage": 2, "thumb": 1}
    assert fit(600_000, [thumb, stage]) == {"stage": 1, "thumb": 0}
    assert fit(100_000, [thumb, stage]) == {"stage": 0, "thumb": 0}  # nothing fits: the gate decides


videos = st.lists(
    st.builds(
        Video,
        key=st.uuids(),
        costs=st.lists(st.floats(10_000, 3_000_000), min_size=1, max_size=3).map(lambda c: tuple(sorted(c))),
        heights=st.just(()),
        current=st.none(),
        size=st.none(),
        priority=st.integers(0, 5),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(budget=st.floats(0, 10_000_000), videos=videos, sizes=st.lists(st.integers(1, 2000), min_size=8, max_size=8))
def test_fit_never_exceeds_the_budget_nor_a_ceiling_and_leaves_no_affordable_step(
    budget: float, videos: list[Video], sizes: list[int]
) -> None:
    videos = [Video(v.key, v.costs, tuple(90 * 2**i for i in range(len(v.costs))), None, size, v.priority)
              for v, size in zip(videos, sizes)]
    chosen = fit(budget, videos)
    spent = cost(videos, chosen)
    assert spent <= budget or all(rank == 0 for rank in chosen.values())
    for video in videos:
        rank = chosen[video.key]
        assert 0 <= rank <= ceiling(video)
    # Nobody is left below its ceiling while its next step would still fit: by priority, the
    # last video considered that is below its ceiling could not afford a step.
    leftover = budget - spent
    last = max((v for v in videos if chosen[v.key] < ceiling(v)), key=lambda v: v.priority, default=None)
    if last is not None and spent <= budget:
        step = last.costs[chosen[last.key] + 1] - last.costs[chosen[last.key]]
        assert step > leftover


def test_down_at_once_when_the_estimate_collapses() -> None:
    chooser = LayerChooser()
    assert chooser.choose(0.0, 2_000_000, AUDIO, [camera("a", current=2)]) == {"a": 2}
    assert chooser.choose(0.1, 300_000, AUDIO, [camera("a", current=2)]) == {"a": 0}


def test_a_congested_link_goes_down_a_calm_one_keeps_its_layer_through_a_dip() -> None:
    calm, congested = LayerChooser(), LayerChooser()
    dip = 0.6 * LADDER[2] + AUDIO  # between FAR_BELOW and KEEP of the current layer
    assert calm.choose(0.0, dip, AUDIO, [camera("a", current=2)]) == {"a": 2}
    assert congested.choose(0.0, dip, AUDIO, [camera("a", current=2)], congested=True) == {"a": 1}


def test_up_only_after_the_estimate_held_it() -> None:
    chooser = LayerChooser()
    enough = LADDER[2] + AUDIO
    t = 0.0
    while t < UP_HOLD - 0.1:  # a try may take one step; the estimate alone, not yet
        assert chooser.choose(t, enough, AUDIO, [camera("a", current=0)])["a"] <= 1
        t += 0.5
    assert chooser.choose(UP_HOLD + 0.01, enough, AUDIO, [camera("a", current=0)]) == {"a": 2}


def test_at_the_receivers_cap_one_layer_up_is_tried_and_a_failed_try_backs_off() -> None:
    chooser = LayerChooser()
    capped = AT_CAP * LADDER[0] + AUDIO + 1  # the estimator only climbs this far above what it gets
    t, chosen = 0.0, {"a": 0}
    while chosen == {"a": 0}:
        chosen = chooser.choose(t, capped, AUDIO, [camera("a", current=0)])
        t += 0.25
    assert chosen == {"a": 1} and t >= max(FIRST_TRY, CALM)  # tried, not before it was time
    # Congestion while trying: back down, and the next try waits twice as long.
    assert chooser.choose(t + 0.5, capped, AUDIO, [camera("a", current=1)], congested=True) == {"a": 0}
    assert chooser.failed_tries == 1 and chooser.wait == min(MAX_TRY, 2 * FIRST_TRY)
    # A try that holds stays, even though the estimate has not caught up yet.
    fresh = LayerChooser()
    t, chosen = 0.0, {"a": 0}
    while chosen == {"a": 0}:
        chosen = fresh.choose(t, capped, AUDIO, [camera("a", current=0)])
        t += 0.25
    end = t + TRIAL + 0.5
    while t < end:
        assert fresh.choose(t, capped, AUDIO, [camera("a", current=1)]) == {"a": 1}
        t += 0.25
    assert fresh.trial is None and fresh.failed_tries == 0


@settings(max_examples=60, deadline=None)
@given(estimates=st.lists(st.floats(20_000, 3_000_000), min_size=1, max_size=80))
def test_steps_are_never_faster_than_the_rules(estimates: list[float]) -> None:
    """Whatever the estimates do: ups are one step (a try) or held for UP_HOLD; never above
    the tile; tries are spaced by at least FIRST_TRY."""
    chooser = LayerChooser()
    current, last_try = 0, float("-inf")
    for i, estimate in enumerate(estimates):
        now = i * 0.5
        tries = chooser.tries
        rank = chooser.choose(now, estimate, AUDIO, [camera("a", current=current, size=400)])["a"]
        assert 0 <= rank <= 2  # 400 px: the 720 layer is the smallest that is tall enough
        if chooser.tries > tries:
            assert rank == current + 1 and now - last_try >= FIRST_TRY
            last_try = now
        current = rank


def test_layers_from_the_client_are_checked() -> None:
    assert check_layers({"1": {"rank": 0, "height": 180}, "2": [1, 360]}) == {"1": (0, 180), "2": (1, 360)}
    for bad in ({"1": {"rank": 3, "height": 180}}, {"1": {"rank": 0, "height": 0}}, {"1": "x"},
                {"1": (0, 180), "2": (0, 360)}, {str(i): (0, 1) for i in range(4)}, ["1"]):
        with pytest.raises(MediaError):
            check_layers(bad)
