"""One subscriber's RTCP feedback, applied: its estimate, resend budget, layers and video gate.

The decisions are ``downlink.py``'s and ``layers.py``'s (pure); this is the edge that reads
aiortc's RTCP packets as each of the subscriber's senders receives them, picks the simulcast
layer of each video it receives (``SlotTrack.want``) and pauses or resumes its video streams
(``SlotTrack.pause`` / ``resume``) when even the lowest layers do not fit. ``on_paused``
tells the peer, which tells the participant ("video paused — weak connection").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, RtcpRrPacket, RtcpSrPacket, unpack_remb_fci

from .downlink import DownlinkEstimate, RetransmitBudget, VideoGate
from .forwarding import HIDDEN, WEAK, Publication, SlotTrack
from .layers import START_ESTIMATE, LayerChooser, Video, ceiling

CONGESTED_LOSS = 0.05  # receiver-report loss that counts as congestion for the layers
# The estimate fell this often this close together: the link is congested (once or twice may be
# a busy receiver -- on a loaded machine an aiortc receiver's delay-based estimator sees overuse).
DROPS, DROPS_WITHIN = 3, 5.0


class SubscriberFeedback:
    def __init__(
        self,
        tracks: Callable[[], Iterable[SlotTrack]],
        on_paused: Callable[[bool], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tracks = tracks  # the subscriber's slots, now
        self._on_paused = on_paused
        self._clock = clock
        self.estimate = DownlinkEstimate()
        self.budget = RetransmitBudget()
        self.gate = VideoGate()
        self.chooser = LayerChooser()
        self.last_change: tuple[float, float | None, float] | None = None  # (when, estimate, loss)
        self._last_remb: object = None

    @property
    def paused(self) -> bool:
        return self.gate.paused

    def on_rtcp(self, ssrc: int, packet: Any, round_trip: float | None) -> None:
        """An RTCP packet one of the subscriber's senders (SSRC ``ssrc``) received."""
        now = self._clock()
        if isinstance(packet, (RtcpRrPacket, RtcpSrPacket)):
            for report in packet.reports:
                if report.ssrc == ssrc:
                    self.estimate.on_loss(
                        now, ssrc, report.fraction_lost, report.highest_sequence, report.packets_lost
                    )
            self.budget.set_round_trip(round_trip)
        elif isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            try:
                bitrate, ssrcs = unpack_remb_fci(packet.fci)
            except ValueError:
                return  # another application feedback: not ours to read
            if packet is self._last_remb:
                return  # a REMB naming several of our streams reaches each of them: count it once
            self._last_remb = packet
            self.estimate.on_remb(now, bitrate, ssrcs)
        else:
            return
        self.budget.set_estimate(self.estimate.bitrate(now))
        self.judge(now)

    def judge(self, now: float | None = None) -> None:
        now = self._clock() if now is None else now
        tracks = [t for t in self._tracks() if t.source is not None]
        audio = sum(t.source.bitrate() for t in tracks if t.kind == "audio" and t.source is not None)
        # Only what it would receive: video it does not look at is not sent either way.
        shown = [t for t in tracks if t.kind == "video" and not t.hidden and t.source is not None]
        if not self.gate.paused and self._choose_layers(now, shown, audio):
            return  # layers above the lowest are what it sheds first: the gate waits
        # The gate judges what the lowest layers need: pausing is for when even they do not fit.
        video = sum(t.source.layers[0].expected_bitrate() if t.source.layered else t.source.bitrate()
                    for t in shown if t.source is not None)
        verdict = self.gate.judge(now, self.estimate, video, audio)
        if not verdict.changed:
            return
        self.last_change = (now, self.estimate.bitrate(now), self.estimate.loss(now))  # for the log
        self.estimate.forget_before(now)  # what came before described other traffic
        for track in tracks:
            if track.kind != "video":
                continue
            if verdict.paused:
                track.probe(0.0)
                if track.source is not None:
                    track.want(track.source.layers[0])  # when video is tried again: the lowest first
                track.pause(WEAK)
            else:
                track.resume(WEAK)
        self._on_paused(verdict.paused)

    def _choose_layers(self, now: float, shown: list[SlotTrack], audio: float) -> bool:
        """Point each shown video at the layer that fits; True while some layered video is
        above its lowest layer (there is still something to shed before pausing)."""
        if not any(t.source is not None and t.source.layered for t in shown):
            return False
        videos = [_video(t) for t in shown]
        lossy = self.estimate.loss(now) > CONGESTED_LOSS or self.estimate.heavy_loss(now)
        # Enough to stop a probe (cheap to try again): any fall of the estimate, any loss.
        congested = lossy or self.estimate.falling or self.estimate.loss(now) > 0
        confirmed = lossy or self.estimate.drops(now, DROPS_WITHIN) >= DROPS
        can_probe = all(getattr(t.sink, "pad", None) is not None for t in shown)
        chosen = self.chooser.choose(now, self.estimate.bitrate(now), audio, videos, congested, can_probe, confirmed)
        probe = self.chooser.probe(now)
        for track in shown:
            track.probe(probe[1] if probe is not None and probe[0] == id(track) else 0.0)
        above = False
        for track in shown:
            source = track.source
            if source is None or not source.layered:
                continue
            track.want(source.layers[chosen[id(track)]])
            if track.target is not None:
                track.target.request_keyframe()  # asked again if lost (throttled at the layer)
            above = above or (track.target or track.feed or source).rank > 0
        return above

    def initial_layer(self, track: SlotTrack, pub: Publication) -> Publication:
        """The layer a newly attached video starts on: the best that fits beside what the
        subscriber already receives (START_ESTIMATE assumed while nothing is known)."""
        if not pub.layered:
            return pub
        bitrate = self.estimate.bitrate(self._clock()) or START_ESTIMATE
        top = ceiling(Video(None, [0.0] * len(pub.layers), [p.height for p in pub.layers], None, track.rendered_height))
        others = [t for t in self._tracks() if t is not track and t.source is not None and not t.paused]
        spent = sum((t.feed or t.source).expected_bitrate() if t.source.layered else t.source.bitrate()
                    for t in others if t.source is not None)
        costs = pub.layer_costs()
        fitting = [rank for rank in range(top + 1) if costs[rank] <= bitrate - spent]
        return pub.layers[fitting[-1] if fitting else 0]

    def apply_to(self, track: SlotTrack) -> None:
        """A (re)attached video slot follows the subscriber's gate."""
        if self.gate.paused and track.kind == "video":
            track.pause(WEAK)

    def set_sizes(self, sizes: dict[str, int], mid_of: Callable[[SlotTrack], str | None]) -> None:
        """How tall each video is on the subscriber's screen (device pixels; absent: large)."""
        for track in self._tracks():
            mid = mid_of(track)
            track.rendered_height = sizes.get(mid) if mid is not None else None
        self.judge()

    def set_hidden(self, mids: set[str], mid_of: Callable[[SlotTrack], str | None]) -> None:
        """The subscriber's video m-lines ``mids`` are off its screen: none sent; the others are."""
        for track in self._tracks():
            if track.kind != "video":
                continue
            if mid_of(track) in mids:
                track.pause(HIDDEN)
            elif track.hidden:
                track.resume(HIDDEN)


def _video(track: SlotTrack) -> Video:
    source = track.source
    assert source is not None
    current = track.target or track.feed or source
    costs = source.layer_costs() if source.layered else [source.bitrate()]
    return Video(key=id(track), costs=costs,
                 heights=[p.height for p in source.layers], current=current.rank,
                 size=track.rendered_height, priority=track.priority)
