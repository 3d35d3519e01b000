"""A publication's fan-out lane: its steady subscribers, sent to in one C call.

Per frame per subscriber, the Python around the C send (``SlotTrack.push`` →
``FastSender.send``: keyframe gating, timestamp rebasing, connection checks,
counters) cost about as much as the C send itself. A subscriber whose stream
is steady -- started on a keyframe, its C path (``wire.py``) checked and not
backlogged -- joins the lane: its state moves into a C ``Stream`` and
``fan_out`` sends each frame to every member without returning to Python.

Every ``RECHECK_FRAMES`` frames the lane hands each member's counters back to
aiortc (sender reports, getStats) and re-checks its connection; a member that
fails, or whose socket refused a packet, leaves the lane and is served by the
per-subscriber path again (which re-admits it once steady). A subscriber
leaves too when its slot detaches (a move, a stop). Without the C module the
lane stays empty and every subscriber takes the per-subscriber path.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .passthrough import VP8_PACKET_MAX, EncodedFrame
from .rtpheader import frame_clock
from .sendpath import RECHECK_FRAMES, FastSender, PackedSink
from .wire import NATIVE_ENABLED, SRTP_PROTECT, Stream, fan_out

if TYPE_CHECKING:
    from .forwarding import SlotTrack

logger = logging.getLogger(__name__)


class Lane:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.enabled = fan_out is not None and NATIVE_ENABLED
        self._members: dict[SlotTrack, Stream] = {}
        self._streams: list[Stream] = []
        self._until_check = RECHECK_FRAMES
        self._probe = 0  # the member whose send time is this frame's latency sample
        self._ntp = 0  # the last fanned-out frame's NTP time: what the members' counters are as of
        self._report: PackedSink | None = None  # the stats sink (the members' own)

    def __contains__(self, slot: object) -> bool:
        return slot in self._members

    def __len__(self) -> int:
        return len(self._members)

    def deliver(self, frame: EncodedFrame, subscribers: set[SlotTrack]) -> None:
        """``frame`` to every subscriber: the lane's in C, the others one by one."""
        members = self._members
        if members:  # who is outside is decided first: a member leaving now got this frame
            outside = [slot for slot in subscribers if slot not in members]
            self._fan_out(frame)
            for slot in outside:
                slot.push(frame)
        else:
            for slot in subscribers:
                slot.push(frame)
        self._until_check -= 1
        if self._until_check <= 0:
            self._until_check = RECHECK_FRAMES
            self._recheck()
            if self.enabled:
                for slot in subscribers:
                    if slot not in members:
                        self._admit(slot)

    def leave(self, slot: SlotTrack, leftovers: list[bytes] | None = None) -> None:
        """``slot`` goes back to the per-subscriber path (with its state)."""
        stream = self._members.pop(slot, None)
        if stream is None:
            return
        self._streams.remove(stream)
        sink = slot.sink
        if isinstance(sink, FastSender):
            slot.left_lane(sink.leave_lane(self._ntp, leftovers))

    def clear(self) -> None:
        for slot in list(self._members):
            self.leave(slot)

    def _fan_out(self, frame: EncodedFrame) -> None:
        self._ntp, abs_send_time = frame.send_clock or frame_clock(frame)
        chunks = frame.chunks(VP8_PACKET_MAX - 4) if self.kind == "video" else [frame.data]
        streams = self._streams
        self._probe = probe = (self._probe + 1) % len(streams)
        try:
            blocked, probe_done = fan_out(streams, chunks, frame.timestamp, abs_send_time, SRTP_PROTECT, probe)
        except Exception:
            # Which member failed is unknown: everyone goes back to the per-subscriber
            # path, where a failure stops only that subscriber's slot.
            logger.exception("fan-out lane failed: its subscribers go back to the per-subscriber path")
            left = list(self._members)
            self.clear()
            self.enabled = False
            for slot in left:  # some may have missed this frame: restart them at a keyframe
                slot.resync()
            return
        if self._report is not None:
            self._report(frame, len(chunks) * len(streams), len(streams), probe_done or None)
        for stream, leftovers in blocked or ():
            slot = next(s for s, member in self._members.items() if member is stream)
            self.leave(slot, leftovers)

    def _admit(self, slot: SlotTrack) -> None:
        offset = slot.lane_offset()
        sink = slot.sink
        if offset is None or not isinstance(sink, FastSender):
            return
        stream = sink.enter_lane(offset)
        if stream is not None:
            self._members[slot] = stream
            self._streams.append(stream)
            self._report = sink.on_packed

    def _recheck(self) -> None:
        for slot in list(self._members):
            sink = slot.sink
            if not isinstance(sink, FastSender) or not sink.lane_check(self._ntp):
                self.leave(slot)
