"""Which simulcast layer each of one subscriber's videos gets (pure: no I/O).

Inputs, per subscriber: its downlink estimate (``downlink.DownlinkEstimate``, REMB scaled
down under loss), what its audio costs, and for each video it receives the layers on offer
(their bitrates and heights), the layer it gets now, how tall its tile is on screen and
whether it is on the stage. Output: a layer (a rank, 0 the lowest) per video.

* **Audio first**, then the stage (screen and camera) before speakers' thumbnails: every
  video starts at its lowest layer, and what the estimate leaves is spent on upgrades in that
  order (``fit``). When even the lowest layers do not fit, ``downlink.VideoGate`` pauses video.
* **Never above what the tile shows**: the smallest layer at least as tall as the rendered
  height (``ceiling``); a video without a size counts as large.
* **Down fast, up slowly** (``LayerChooser``): down as soon as the link shows congestion (its
  REMB fell, or receiver reports lost packets) and the estimate no longer carries the current
  layers, or at once when it falls far below; up only once the estimate has carried the
  target for ``UP_HOLD`` seconds. A new video starts at what ``START_ESTIMATE`` carries.
* **Trying a layer up.** A receiver's estimator never climbs above ~1.5x what it receives
  (Chrome's and aiortc's AIMD cap), and browsers' layers are ~3x apart, so a viewer moved down
  would never be seen to fit the next layer again. When the estimate is not far below what is
  received (``AT_CAP``) and the link showed no congestion for ``CALM`` seconds, one video is tried
  one layer up: first by *probing* -- padding for the difference, ramped up over
  ``PROBE_RAMP`` and held to ``PROBE`` seconds (``probe``; RTX padding, which the receiver's
  estimator counts and its decoder never sees) -- and only if the link showed no congestion
  meanwhile, the layer itself. Switching straight to the layer would cost a weak link a
  keyframe burst it loses. Congestion during a try ends it (and takes the layer back down)
  and doubles the wait before the next (``FIRST_TRY`` .. ``MAX_TRY``): what trying costs a link
  that really is weak stays bounded, and a link that recovered climbs back within ``MAX_TRY``
  + ``PROBE`` + a keyframe.

Times are seconds on any monotonic clock, passed in.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from .errors import BAD_REQUEST, MediaError

# Assumed while the receiver has sent no estimate yet: a new viewer starts low and climbs, so
# that a weak link never starts with a burst it loses (an aiortc receiver then stalls until
# 512 packets later; a browser shows a frozen picture until the next keyframe).
START_ESTIMATE = 300_000.0
UP_HOLD = 3.0  # the estimate carries the target this long before going up
# Congested: down once the estimate is below this share of the current layers' cost. A receiver
# that saw overuse reports ~0.85x what it *received*: a busy receiver still receives what is sent
# (0.85x the cost), a link that cannot carry it less (below 0.85x its capacity).
KEEP = 0.7
# ... and, congested or not, once it is below this share. Only this far: a receiver's estimate
# climbs slowly after it once saw congestion (aiortc: ~4 kbit/s a second near its last
# maximum), so a level a little low is no sign the link cannot carry what flows.
FAR_BELOW = 0.25
CONGESTION_MEMORY = 2.0  # a congestion signal counts this long (s)
# A try needs the estimate not far below what is received. Not more: after a step up, a
# receiver's estimator climbs only ~8 % a second towards ~1.5x what it receives (its cap), so
# waiting for it would take ten seconds a step; a probe that meets congestion stops at once,
# so trying early is cheap.
AT_CAP = 0.5
CALM = 2.0  # no congestion this long before a try
TRIAL = 2.0  # a tried layer that saw no congestion this long stays
PROBE, PROBE_RAMP = 3.0, 2.5  # padding for the difference, ramped up, this long before switching
FIRST_TRY, MAX_TRY = 2.0, 6.0  # wait before a try; doubles after a failed one


@dataclass(frozen=True)
class Video:
    """One video a subscriber receives, as the chooser sees it."""

    key: Hashable
    costs: Sequence[float]  # bits/s of each layer, lowest first (one entry: not layered)
    heights: Sequence[int | None] = ()  # pixels of each layer, lowest first (unknown: empty)
    current: int | None = None  # the layer it gets now (or is switching to)
    size: int | None = None  # rendered height in device pixels; None: large
    priority: int = 0  # lower first: the stage's screen and camera before speakers' thumbnails


def ceiling(video: Video) -> int:
    """The highest layer worth sending: the smallest one at least as tall as the tile."""
    top = len(video.costs) - 1
    if video.size is None or len(video.heights) != len(video.costs):
        return top
    for rank, height in enumerate(video.heights):
        if height is not None and height >= video.size:
            return rank
    return top


def fit(budget: float, videos: Sequence[Video]) -> dict[Hashable, int]:
    """The best layers ``budget`` bits/s carries: all lowest, then upgrades, the stage first
    (each video as far as its ceiling before the next one, by ``priority``)."""
    chosen = {v.key: 0 for v in videos}
    spent = sum(v.costs[0] for v in videos)
    for video in sorted(videos, key=lambda v: v.priority):  # stable: display order within each
        rank, top = 0, ceiling(video)
        while rank < top and spent - video.costs[rank] + video.costs[rank + 1] <= budget:
            spent += video.costs[rank + 1] - video.costs[rank]
            rank += 1
        chosen[video.key] = rank
    return chosen


def cost(videos: Sequence[Video], ranks: dict[Hashable, int]) -> float:
    return sum(v.costs[min(ranks.get(v.key, 0), len(v.costs) - 1)] for v in videos)


@dataclass
class Trial:
    key: Hashable
    rank: int
    since: float
    extra: float = 0.0  # bits/s the try adds (padding while probing)
    probing: bool = False  # padding first: the layer itself only once the link carried it


@dataclass
class LayerChooser:
    """One subscriber's layer choices over time (the hysteresis and the tries)."""

    wait: float = FIRST_TRY  # before the next try
    trial: Trial | None = None
    tries: int = 0
    failed_tries: int = 0
    _congested_at: float = float("-inf")
    _confirmed_at: float = float("-inf")
    _last_try: float = float("-inf")  # when the last try ended (or the chooser started)
    _grace_until: float = float("-inf")  # only congestion takes a layer that held a try down before
    _up_since: dict[Hashable, tuple[int, float]] = field(default_factory=dict)

    def choose(
        self, now: float, estimate: float | None, audio: float, videos: Sequence[Video], congested: bool = False,
        can_probe: bool = False, confirmed: bool | None = None,
    ) -> dict[Hashable, int]:
        """The layer each of ``videos`` should get now. ``estimate``: bits/s the link carries
        (None: unknown yet, START_ESTIMATE is assumed); ``audio``: what its audio costs;
        ``congested``: the link showed a sign of congestion just now (its REMB fell, or loss):
        tries stop; ``confirmed``: the congestion is sure (REMB fell twice, or heavy loss; by
        default as ``congested``): only that takes a layer down; ``can_probe``: a try may send
        padding first (``probe``) instead of the layer itself."""
        if self._last_try == float("-inf"):
            self._last_try = now
        if congested:
            self._congested_at = now
        if congested if confirmed is None else confirmed:
            self._confirmed_at = now
        estimate = START_ESTIMATE if estimate is None else estimate
        budget = estimate - audio
        current = {v.key: min(ceiling(v), v.current if v.current is not None else ceiling(v)) for v in videos}
        recent = now - self._congested_at <= CONGESTION_MEMORY
        sure = now - self._confirmed_at <= CONGESTION_MEMORY
        self._judge_trial(now, recent, current)
        judged = dict(current)
        if self.trial is not None and not self.trial.probing and self.trial.key in judged:
            # the estimate has not caught up with a try yet
            judged[self.trial.key] = self.trial.rank - 1
        need = cost(videos, judged)
        collapsed = budget < FAR_BELOW * need and now >= self._grace_until
        if need > 0 and (collapsed or (sure and budget < KEEP * need)):
            self._up_since.clear()
            carried = fit(budget, videos)  # down now, to what the estimate carries
            return {key: min(rank, carried[key]) for key, rank in current.items()}
        chosen = self._climb(now, fit(budget, videos), current)
        if chosen == current and not recent:
            self._try(now, estimate, videos, chosen, can_probe)
        return chosen

    def probe(self, now: float) -> tuple[Hashable, float] | None:
        """The video to send padding along with, and how much (bits/s), while a try probes."""
        trial = self.trial
        if trial is None or not trial.probing:
            return None
        return trial.key, trial.extra * min(1.0, (now - trial.since) / PROBE_RAMP)

    def _climb(self, now: float, fitted: dict[Hashable, int], current: dict[Hashable, int]) -> dict[Hashable, int]:
        """Up to what the estimate carries once it held that for UP_HOLD (down at once)."""
        chosen = dict(current)
        for key, rank in fitted.items():
            if rank <= current[key]:
                self._up_since.pop(key, None)
                continue
            since = self._up_since.setdefault(key, (rank, now))[1]
            if now - since >= UP_HOLD:
                chosen[key] = rank
                self._up_since.pop(key, None)
        return chosen

    def _judge_trial(self, now: float, congested: bool, current: dict[Hashable, int]) -> None:
        trial = self.trial
        if trial is None:
            return
        if trial.probing:
            if congested or trial.key not in current:  # the link could not carry the padding
                self._end_trial(now, failed=True)
            elif now - trial.since >= PROBE:  # it could: now the layer itself
                trial.probing, trial.since = False, now
                current[trial.key] = max(current[trial.key], trial.rank)
            return
        if current.get(trial.key, -1) < trial.rank or congested:  # it did not hold: back down
            if trial.key in current:
                current[trial.key] = min(current[trial.key], trial.rank - 1)
            self._end_trial(now, failed=True)
        elif now - trial.since >= TRIAL:
            self._end_trial(now, failed=False)
            self._grace_until = now + TRIAL  # while the estimate climbs behind it (~8 % a second)

    def _end_trial(self, now: float, failed: bool) -> None:
        if failed:
            self.failed_tries += 1
            self.wait = min(MAX_TRY, self.wait * 2)
        else:
            self.wait = FIRST_TRY  # it held: the next step may be tried as soon
        self.trial = None
        self._last_try = now

    def _try(
        self, now: float, estimate: float, videos: Sequence[Video], chosen: dict[Hashable, int], can_probe: bool
    ) -> None:
        """One video one layer up (padding for the difference first, if it can), if the
        estimate sits at the receiver's cap and it is time."""
        if self.trial is not None:
            if not self.trial.probing:
                chosen[self.trial.key] = max(chosen[self.trial.key], self.trial.rank)
            return
        if now - self._last_try < self.wait or now - self._congested_at < CALM:
            return
        received = cost(videos, chosen)
        if received <= 0 or estimate < AT_CAP * received:
            return  # the estimate is below what flows: no sign of room
        for video in sorted(videos, key=lambda v: v.priority):
            rank = chosen[video.key]
            if rank < ceiling(video):
                extra = video.costs[rank + 1] - video.costs[rank]
                self.trial = Trial(video.key, rank + 1, now, extra, probing=can_probe)
                if not can_probe:
                    chosen[video.key] = rank + 1
                self.tries += 1
                return


MAX_LAYERS = 3
MAX_HEIGHT = 4320


def check_layers(layers: object) -> dict[str, tuple[int, int]]:
    """``media.offer`` ``layers`` as the media server takes them (mid -> (rank, height)),
    from a dict of ``{"rank", "height"}`` or ``(rank, height)`` by mid; ``bad_request`` otherwise."""
    if not layers:
        return {}
    if not isinstance(layers, dict) or len(layers) > MAX_LAYERS:
        raise MediaError(BAD_REQUEST, f"layers must be at most {MAX_LAYERS} entries by mid")
    checked: dict[str, tuple[int, int]] = {}
    for mid, spec in layers.items():
        rank, height = (spec.get("rank"), spec.get("height")) if isinstance(spec, dict) else (
            tuple(spec) if isinstance(spec, (list, tuple)) and len(spec) == 2 else (None, None))
        if (not isinstance(mid, str) or type(rank) is not int or type(height) is not int
                or not 0 <= rank < MAX_LAYERS or not 0 < height <= MAX_HEIGHT):
            raise MediaError(BAD_REQUEST, f"bad layer {spec!r} for mid {mid!r}")
        checked[mid] = (rank, height)
    if len({rank for rank, _ in checked.values()}) != len(checked):
        raise MediaError(BAD_REQUEST, "layer ranks must be distinct")
    return checked
