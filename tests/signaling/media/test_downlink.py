"""A subscriber's downlink decisions (downlink.py): estimate, resend budget, video gate."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from signaling.media.downlink import (
    DEDUP_MEMORY,
    FIRST_RETRY,
    HEAVY_LOSS,
    LOW_FOR,
    RESEND_BURST,
    RESEND_SHARE,
    SETTLE,
    DownlinkEstimate,
    RetransmitBudget,
    VideoGate,
)

VIDEO, AUDIO = 500_000.0, 40_000.0


def test_remb_of_one_stream_per_report_is_summed_and_a_total_is_not() -> None:
    estimate = DownlinkEstimate()
    estimate.on_remb(0.0, 300_000, [1])  # aiortc: one REMB per video stream
    estimate.on_remb(0.1, 200_000, [2])
    assert estimate.bitrate(0.2) == 500_000
    chrome = DownlinkEstimate()
    chrome.on_remb(0.0, 800_000, [1, 2])  # Chrome: one REMB naming all of them
    chrome.on_remb(1.0, 700_000, [1, 2])
    assert chrome.bitrate(1.1) == 700_000 and chrome.falling


def test_heavy_loss_scales_the_estimate_down_and_recovery_brings_it_back() -> None:
    estimate = DownlinkEstimate()
    estimate.on_remb(0.0, 1_000_000, [1])
    estimate.on_loss(0.0, 1, 128)  # half lost
    assert estimate.bitrate(0.1) == 750_000
    for t in range(1, 40):
        estimate.on_loss(float(t), 1, 0)
        estimate.on_remb(float(t), 1_000_000, [1])
    assert estimate.bitrate(40.0) == 1_000_000


def test_a_packet_is_resent_once_per_round_trip() -> None:
    budget = RetransmitBudget()
    budget.set_round_trip(0.2)
    assert budget.allow(0.0, 7, 100, 1200)
    assert not budget.allow(0.05, 7, 100, 1200)  # the copy is still on its way
    assert budget.allow(0.05, 8, 100, 1200)  # another stream's packet of that number
    assert budget.allow(0.25, 7, 100, 1200)  # a round trip later: asked again, it was lost again
    assert budget.duplicates == 1


@settings(max_examples=60, deadline=None)
@given(
    estimate=st.integers(50_000, 5_000_000),
    nacks=st.lists(st.tuples(st.floats(0, 10), st.integers(0, 300), st.integers(50, 1300)), max_size=400),
)
def test_resends_never_exceed_their_share_of_the_estimate(estimate: int, nacks: list[tuple[float, int, int]]) -> None:
    budget = RetransmitBudget()
    budget.set_estimate(estimate)
    sent = 0
    last: dict[int, float] = {}
    for now, seq, size in sorted(nacks):
        if budget.allow(now, 1, seq, size):
            assert now - last.get(seq, -1e9) >= budget.window  # never twice within a round trip
            last[seq] = now
            sent += size
    duration = max((n for n, _, _ in nacks), default=0.0)
    rate = RESEND_SHARE * estimate / 8
    assert sent <= rate * (duration + RESEND_BURST) + 1
    assert len(budget._resent) <= DEDUP_MEMORY


def feedback(gate: VideoGate, now: float, remb: int, lost: int = 0) -> bool:
    """One REMB falling to ``remb`` (and a receiver report losing ``lost``/256) at ``now``."""
    estimate = DownlinkEstimate()
    estimate.on_remb(now - 1, remb + 50_000, [1])
    estimate.on_remb(now, remb, [1])  # falling: the estimator saw congestion
    estimate.on_loss(now - 1, 1, lost)
    estimate.on_loss(now, 1, lost)
    return gate.judge(now, estimate, VIDEO, AUDIO).paused


def congested(gate: VideoGate, now: float, remb: int) -> bool:
    """``remb`` for longer than one busy moment of the receiver."""
    feedback(gate, now - LOW_FOR, remb)
    return feedback(gate, now, remb)


def healthy(gate: VideoGate, now: float) -> bool:
    estimate = DownlinkEstimate()
    estimate.on_remb(now, 80_000, [1])  # low but rising (only audio flows): not congestion
    return gate.judge(now, estimate, VIDEO, AUDIO).paused


def test_one_low_remb_is_a_busy_receiver_and_a_lasting_one_is_its_link() -> None:
    gate = VideoGate()
    assert not feedback(gate, 10.0, 250_000)
    assert not feedback(gate, 11.0, 600_000)  # back up: it was a moment
    assert not feedback(gate, 12.0, 250_000)
    assert not feedback(gate, 12.0 + LOW_FOR / 2, 250_000)
    assert feedback(gate, 12.0 + LOW_FOR, 250_000)


def test_video_pauses_on_congestion_and_is_tried_again_with_growing_back_off() -> None:
    gate = VideoGate()
    assert not congested(gate, 10.0, 600_000)  # falling but still above what video needs
    assert congested(gate, 11.0, 250_000)
    assert healthy(gate, 11.0 + FIRST_RETRY - 0.1)  # still paused
    assert not healthy(gate, 11.0 + FIRST_RETRY)  # tried again
    resumed = 11.0 + FIRST_RETRY
    assert not feedback(gate, resumed + SETTLE / 2, 250_000, lost=100)  # the pause's feedback is not judged
    assert feedback(gate, resumed + SETTLE, 250_000, lost=100)  # weak again: paused, and waits longer
    again = resumed + SETTLE
    assert healthy(gate, again + FIRST_RETRY)
    assert not healthy(gate, again + 2 * FIRST_RETRY)
    assert gate.pauses == 2


def test_heavy_loss_in_consecutive_reports_pauses_and_low_rising_remb_does_not() -> None:
    gate = VideoGate()
    assert not healthy(gate, 5.0)  # 80 kbit/s, rising: the estimator is still climbing
    estimate = DownlinkEstimate()
    estimate.on_loss(6.0, 1, 64)  # 25% lost: once may be a burst
    assert not gate.judge(6.0, estimate, VIDEO, AUDIO).paused
    estimate.on_loss(7.0, 1, 64)  # twice in a row: the link
    assert gate.judge(7.0, estimate, VIDEO, AUDIO).paused


def test_without_video_nothing_is_paused() -> None:
    gate = VideoGate()
    estimate = DownlinkEstimate()
    estimate.on_loss(1.0, 1, 200)
    estimate.on_loss(2.0, 1, 200)
    assert not gate.judge(2.0, estimate, 0.0, AUDIO).paused


def test_5_percent_random_loss_never_reads_as_heavy_and_a_congested_link_does() -> None:
    """Receiver reports of ~30-60 packets: at 5 % random loss one often shows > 10 % (it paused
    a viewer on a lossy link, tests/signaling/media/networks/test_lossy_link.py); samples of
    ``LOSS_SAMPLE`` packets do not, while 40 % loss (a link too slow) still pauses as fast."""
    rng = random.Random(16)

    def reports(loss: float, count: int) -> tuple[DownlinkEstimate, int]:
        estimate, highest, lost, heavy_reports = DownlinkEstimate(), 0, 0, 0
        for n in range(count):
            packets = rng.randint(30, 60)
            dropped = sum(rng.random() < loss for _ in range(packets))
            highest, lost = highest + packets, lost + dropped
            estimate.on_loss(float(n), 1, int(256 * dropped / packets), highest, lost)
            heavy_reports += dropped / packets > HEAVY_LOSS
            if estimate.heavy_loss(float(n)):
                return estimate, n
        assert heavy_reports > 20  # what one report at a time would have judged heavy
        return estimate, count

    assert reports(0.05, 500)[1] == 500  # never heavy
    assert reports(0.40, 500)[1] <= 3  # the first report starts the count; two more pause


def test_a_paused_stream_does_not_keep_the_heavy_loss_streak_that_paused_it() -> None:
    estimate = DownlinkEstimate()
    for n, (highest, lost) in enumerate([(0, 0), (50, 40), (100, 80)]):
        estimate.on_loss(float(n), 1, 200, highest, lost)
    assert estimate.heavy_loss(2.0)
    estimate.forget_before(2.0)  # the gate paused video
    estimate.on_loss(3.0, 1, 0, 100, 80)  # paused: nothing sent, so no sample to reset the streak
    assert not estimate.heavy_loss(3.0)  # else resuming would pause again at once
