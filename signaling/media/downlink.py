"""What one subscriber's downlink carries, and what it is sent accordingly (pure: no I/O).

Three decisions per subscriber, from the feedback its own receiver sends (RTCP):

* ``DownlinkEstimate``: the bitrate its link carries -- REMB (Chrome computes it from the
  abs-send-time we stamp; aiortc sends one per video stream) scaled down while its
  receiver reports loss.
* ``RetransmitBudget``: which NACKed packets are resent. A weak viewer NACKs most of what
  it misses, over and over; resending all of it (issue 16 measured ~1,050 resends a
  second against ~63 original video packets) only fills the link it could not fit in.
  A packet is resent at most once per round trip, and resends take at most a share of
  the estimate.
* ``VideoGate``: whether its video is forwarded at all. Audio comes first: when the
  link shows congestion (REMB fell below what its video needs and stayed there for
  ``LOW_FOR``, or heavy loss in consecutive samples of ``LOSS_SAMPLE`` packets), its
  video is paused and audio keeps flowing; it is tried again after a back-off that
  doubles while the link stays weak, and stays on once it held.

Times are seconds on any monotonic clock, passed in (``now``): the callers own the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

REMB_TTL = 5.0  # a stream's REMB older than this no longer counts (the stream went away)
LOSS_TTL = 3.0  # receiver-report loss older than this no longer counts
HEAVY_LOSS = 0.10  # fraction lost (before retransmission) that counts as congestion
LIGHT_LOSS = 0.02
LOSS_STEP = 1.0  # the loss factor changes at most once per this many seconds
# Heavy loss is judged over at least this many packets: one receiver report covers ~30-60,
# over which 5 % random loss (NACK/RTX repairs it) reads > 10 % every few reports.
LOSS_SAMPLE = 100
# A link too slow loses far more: a sample of at least SURE_SAMPLE packets with SURE_LOSS lost
# is judged at once (5 % random loss almost never reads 30 % over 20: ~1e-4), so a congested
# link still pauses within two receiver reports.
SURE_SAMPLE, SURE_LOSS = 20, 0.3
DROP = 0.1  # a REMB this much lower than the one before: the receiver's estimator saw overuse

RESEND_SHARE = 0.25  # retransmissions may use this share of the estimate
RESEND_BURST = 0.5  # seconds of that share that may go at once
DEFAULT_ESTIMATE = 2_000_000  # bits/s assumed before any REMB arrives (the budget only)
MIN_RESEND_WINDOW, MAX_RESEND_WINDOW = 0.05, 0.5  # bounds of "one round trip" (s)
DEDUP_MEMORY = 1024  # resent sequence numbers remembered at most

PAUSE_MARGIN = 0.7  # REMB below this share of what video needs ...
LOW_FOR = 3.0  # ... for this long (s) pauses: one low REMB may be a busy receiver, not its link
HEAVY_STREAK = 2  # samples in a row with heavy loss that pause (reports, when counts are unknown)
RESUME_MARGIN = 1.2  # resume at once when REMB is this far above the need
# Paused: video is tried again after this back-off, doubling while the link stays weak. A
# try costs a keyframe and, on a link that still cannot carry it, about a second of that
# viewer's audio (the burst queues ahead of it): hence rare; capped so that a link that
# recovered gets video back within MAX_RETRY.
FIRST_RETRY, MAX_RETRY = 5.0, 20.0
HELD = 10.0  # video that stayed on this long resets the back-off
SETTLE = 2.0  # after resuming, congestion signals older than the switch are not judged


class DownlinkEstimate:
    """Bits per second the subscriber's link carries, or None while unknown."""

    def __init__(self) -> None:
        # REMB by the set of SSRCs it covers: Chrome sends one for all our video
        # (a total), aiortc one per video stream (summed).
        self._remb: dict[frozenset[int], tuple[float, int]] = {}
        self._loss: dict[int, tuple[float, float]] = {}  # ssrc -> (when, fraction lost)
        self._heavy: dict[int, int] = {}  # ssrc -> samples in a row with heavy loss
        self._sampled: dict[int, tuple[int, int]] = {}  # ssrc -> (highest seq, lost) where its sample began
        self.factor = 1.0  # scales REMB down while the receiver reports loss
        self._factor_at = float("-inf")
        self.falling = False  # the latest REMB was lower than the one before (the link congested)
        self._drops: list[float] = []  # when a REMB fell by more than DROP (for layers.py)

    def on_remb(self, now: float, bitrate: int, ssrcs: list[int]) -> None:
        key = frozenset(ssrcs)
        before = self._remb.get(key)
        if before is None:  # a REMB naming some of the same streams supersedes theirs (aiortc adds
            # the RTX SSRC to its list once padding or a resend arrived on it): never count twice
            for other in [k for k in self._remb if k & key]:
                before = self._remb.pop(other)
        self.falling = before is not None and bitrate < before[1]
        if before is not None and bitrate < (1 - DROP) * before[1]:
            self._drops = [*self._drops[-7:], now]
        self._remb[key] = (now, bitrate)

    def on_loss(
        self, now: float, ssrc: int, fraction_lost: int, highest: int | None = None, lost: int | None = None
    ) -> None:
        """A receiver report's loss for one of our streams (``fraction_lost`` in 1/256;
        ``highest``/``lost``: its extended highest sequence number and cumulative packets lost)."""
        self._loss[ssrc] = (now, fraction_lost / 256)
        heavy = fraction_lost / 256 > HEAVY_LOSS if highest is None or lost is None else self._sample(ssrc, highest, lost)
        if heavy is not None:
            self._heavy[ssrc] = self._heavy.get(ssrc, 0) + 1 if heavy else 0
        if now - self._factor_at < LOSS_STEP:
            return
        self._factor_at = now
        loss = self.loss(now)
        if loss > HEAVY_LOSS:
            self.factor = max(0.1, self.factor * (1 - loss / 2))  # as GCC's loss-based controller
        elif loss < LIGHT_LOSS:
            self.factor = min(1.0, self.factor * 1.08)

    def _sample(self, ssrc: int, highest: int, lost: int) -> bool | None:
        """Heavy loss over the packets since ``ssrc``'s sample began; None until the sample is
        big enough to tell (``LOSS_SAMPLE``, or ``SURE_SAMPLE`` when it lost ``SURE_LOSS``)."""
        begun = self._sampled.setdefault(ssrc, (highest, lost))
        expected, missing = highest - begun[0], lost - begun[1]
        if expected < 0:  # the receiver started over
            self._sampled[ssrc] = (highest, lost)
            return None
        if expected < LOSS_SAMPLE and not (expected >= SURE_SAMPLE and missing > SURE_LOSS * expected):
            return None
        self._sampled[ssrc] = (highest, lost)
        return missing / expected > HEAVY_LOSS

    def loss(self, now: float) -> float:
        """The worst recent loss fraction over our streams."""
        return max((f for at, f in self._loss.values() if now - at <= LOSS_TTL), default=0.0)

    def heavy_loss(self, now: float) -> bool:
        """Heavy loss on one of our streams in ``HEAVY_STREAK`` reports in a row."""
        return any(self._heavy.get(ssrc, 0) >= HEAVY_STREAK for ssrc, (at, _) in self._loss.items() if now - at <= LOSS_TTL)

    def drops(self, now: float, within: float) -> int:
        """How often the receiver's estimate fell by more than DROP in the last ``within`` s:
        one such fall may be a busy receiver; two are its link."""
        return sum(1 for t in self._drops if now - t <= within)

    def remb(self, now: float) -> float | None:
        fresh = [b for at, b in self._remb.values() if now - at <= REMB_TTL]
        return float(sum(fresh)) if fresh else None

    def bitrate(self, now: float) -> float | None:
        remb = self.remb(now)
        return None if remb is None else remb * self.factor

    def forget_before(self, when: float) -> None:
        """Drop feedback older than ``when`` (it described traffic that has since changed)."""
        self._remb = {k: v for k, v in self._remb.items() if v[0] >= when}
        self._loss = {k: v for k, v in self._loss.items() if v[0] >= when}
        # Streaks and samples counted that traffic too (a paused stream sends nothing to reset them).
        self._heavy.clear()
        self._sampled.clear()
        self.falling = False
        self._drops = [t for t in self._drops if t >= when]


class RetransmitBudget:
    """Which of a subscriber's NACKed packets are resent (shared by its senders)."""

    def __init__(self) -> None:
        self.window = 0.1  # one round trip (s), kept from the receiver reports
        self._resent: dict[tuple[int, int], float] = {}  # (ssrc, seq) -> when last resent
        self._tokens = RESEND_SHARE * DEFAULT_ESTIMATE / 8 * RESEND_BURST  # bytes
        self._filled_at: float | None = None
        self.rate = RESEND_SHARE * DEFAULT_ESTIMATE / 8  # bytes/s
        self.allowed = 0
        self.duplicates = 0
        self.over_budget = 0

    def set_round_trip(self, rtt: float | None) -> None:
        if rtt is not None and rtt > 0:
            self.window = min(MAX_RESEND_WINDOW, max(MIN_RESEND_WINDOW, rtt))

    def set_estimate(self, bitrate: float | None) -> None:
        self.rate = RESEND_SHARE * (DEFAULT_ESTIMATE if bitrate is None else bitrate) / 8

    def allow(self, now: float, ssrc: int, seq: int, size: int) -> bool:
        """Whether to resend ``seq`` (``size`` bytes) now; counts it if so."""
        last = self._resent.get((ssrc, seq))
        if last is not None and now - last < self.window:
            self.duplicates += 1  # resent within the last round trip: that copy is still on its way
            return False
        self._refill(now)
        if self._tokens < size:
            self.over_budget += 1
            return False
        self._tokens -= size
        if len(self._resent) >= DEDUP_MEMORY:
            self._prune(now)
        self._resent[(ssrc, seq)] = now
        self.allowed += 1
        return True

    def _refill(self, now: float) -> None:
        burst = self.rate * RESEND_BURST
        if self._filled_at is not None:
            self._tokens = min(burst, self._tokens + (now - self._filled_at) * self.rate)
        self._tokens = min(self._tokens, burst)
        self._filled_at = now

    def _prune(self, now: float) -> None:
        self._resent = {k: t for k, t in self._resent.items() if now - t < self.window}
        while len(self._resent) >= DEDUP_MEMORY:  # all recent: forget the oldest
            del self._resent[next(iter(self._resent))]


@dataclass(frozen=True)
class Verdict:
    paused: bool
    changed: bool


class VideoGate:
    """Whether one subscriber's video is forwarded (audio always is)."""

    def __init__(self) -> None:
        self.paused = False
        self.pauses = 0
        self._since = float("-inf")  # when the current pause / run of video began
        self._retry = FIRST_RETRY
        self._low_since: float | None = None  # REMB below what video needs since then

    def judge(self, now: float, estimate: DownlinkEstimate, video_need: float, audio_need: float) -> Verdict:
        """Decide from the latest feedback; ``*_need`` are the bitrates being forwarded."""
        if video_need <= 0:  # no video to pause (or none flowing yet)
            return self._set(now, False)
        remb = estimate.remb(now)
        need = video_need + audio_need
        if self.paused:
            if now - self._since >= self._retry or (remb is not None and remb >= RESUME_MARGIN * need):
                return self._set(now, False)
            return Verdict(True, False)
        if now - self._since < SETTLE:
            return Verdict(False, False)  # just resumed: the feedback still describes the pause
        if now - self._since >= HELD:
            self._retry = FIRST_RETRY  # the link carried video for a while: start over
        if remb is None or remb >= PAUSE_MARGIN * need:
            self._low_since = None
        elif self._low_since is None and estimate.falling:  # the estimator saw congestion
            self._low_since = now
        low = self._low_since is not None and now - self._low_since >= LOW_FOR
        if low or estimate.heavy_loss(now):
            return self._set(now, True)
        return Verdict(False, False)

    def _set(self, now: float, paused: bool) -> Verdict:
        if paused == self.paused:
            return Verdict(paused, False)
        if paused:
            self.pauses += 1
            if now - self._since < HELD:  # video came back and failed again: wait longer
                self._retry = min(MAX_RETRY, self._retry * 2)
        self.paused = paused
        self._since = now
        self._low_since = None
        return Verdict(paused, True)
