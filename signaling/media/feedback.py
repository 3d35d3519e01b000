"""One subscriber's RTCP feedback, applied: its estimate, resend budget and video gate.

The decisions are ``downlink.py``'s (pure); this is the edge that reads aiortc's RTCP
packets as each of the subscriber's senders receives them, and pauses or resumes the
subscriber's video streams (``SlotTrack.pause`` / ``resume``). ``on_paused`` tells the
peer, which tells the participant ("video paused — weak connection").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, RtcpRrPacket, RtcpSrPacket, unpack_remb_fci

from .downlink import DownlinkEstimate, RetransmitBudget, VideoGate
from .forwarding import HIDDEN, WEAK, SlotTrack


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
                    self.estimate.on_loss(now, ssrc, report.fraction_lost)
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
        # Only what it would receive: video it does not look at is not sent either way.
        video = sum(t.source.bitrate() for t in tracks if t.kind == "video" and not t.hidden and t.source is not None)
        audio = sum(t.source.bitrate() for t in tracks if t.kind == "audio" and t.source is not None)
        verdict = self.gate.judge(now, self.estimate, video, audio)
        if not verdict.changed:
            return
        self.last_change = (now, self.estimate.bitrate(now), self.estimate.loss(now))  # for the log
        self.estimate.forget_before(now)  # what came before described other traffic
        for track in tracks:
            if track.kind == "video":
                track.pause(WEAK) if verdict.paused else track.resume(WEAK)
        self._on_paused(verdict.paused)

    def apply_to(self, track: SlotTrack) -> None:
        """A (re)attached video slot follows the subscriber's gate."""
        if self.gate.paused and track.kind == "video":
            track.pause(WEAK)

    def set_hidden(self, mids: set[str], mid_of: Callable[[SlotTrack], str | None]) -> None:
        """The subscriber's video m-lines ``mids`` are off its screen: none sent; the others are."""
        for track in self._tracks():
            if track.kind != "video":
                continue
            if mid_of(track) in mids:
                track.pause(HIDDEN)
            elif track.hidden:
                track.resume(HIDDEN)
