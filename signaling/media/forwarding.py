"""Fan-out of encoded frames: publications (one per published track) feed slots
(one per server-side sender).

A ``SlotTrack`` is the track of one RTCRtpSender for the sender's whole life;
switching what a subscriber receives on that m-line is ``attach(other_pub)``,
never a new track -- aiortc's sender loop exits for good if its track raises,
and a track swap would leave the loop waiting on the old one.

Fan-out is synchronous: ``Publication.deliver`` hands the frame to every
slot, and each slot to its ``FrameSink`` (the adapter's fast sender), which
puts the packets on the wire before ``deliver`` returns. No per-subscriber
queue or task wake-up; the sender's own loop stays parked in ``recv()``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from .lane import Lane
from .passthrough import EncodedFrame

logger = logging.getLogger(__name__)
KEYFRAME_INTERVAL = 0.5  # at most one PLI per publisher track per 500 ms
FRAME_STEP = {"video": 3000, "audio": 960}  # RTP ticks inserted at a source switch


class FrameSink(Protocol):
    def send(self, frame: EncodedFrame, timestamp: int) -> bool:
        """Send now; False if the subscriber is backlogged and the frame was dropped."""
        ...

    def close(self) -> None:
        """No more frames: release what sending held."""
        ...


class Publication:
    """One track a participant publishes, as received by the server."""

    def __init__(
        self,
        pub_id: str,
        participant_id: str,
        kind: str,
        label: str,
        mid: str,
        send_pli: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pub_id = pub_id
        self.participant_id = participant_id
        self.kind = kind
        self.label = label
        self.mid = mid
        self.subscribers: set[SlotTrack] = set()
        self.lane = Lane(kind)  # the steady subscribers, sent to in one C call
        self.keyframe_requests = 0
        self.frames_in = 0
        self._send_pli = send_pli
        self._clock = clock
        self._last_pli = float("-inf")
        self._awaiting = False  # a PLI went out and no keyframe came back yet
        self._pending: asyncio.TimerHandle | None = None
        self.closed = False
        # Automatic captions (captioning/): a copy into a bounded queue, set only while this
        # voice is transcribed; None costs forwarding one attribute test per frame.
        self.caption: Callable[[EncodedFrame], None] | None = None

    def deliver(self, frame: EncodedFrame) -> None:
        self.frames_in += 1
        if self.caption is not None:
            self.caption(frame)
        if frame.keyframe:
            self._awaiting = False
        self.lane.deliver(frame, self.subscribers)

    def request_keyframe(self) -> None:
        """Throttled PLI: one now, or one at the end of the current window.

        While a requested keyframe is still on its way, further requests are
        redundant (it will serve every waiting subscriber): they only re-ask
        once the window has passed without a keyframe.
        """
        if self.kind != "video" or self.closed or self._pending is not None:
            return
        wait = self._last_pli + KEYFRAME_INTERVAL - self._clock()
        if self._awaiting and wait > 0:
            return
        if wait <= 0:
            self._fire()
        else:
            self._pending = asyncio.get_running_loop().call_later(wait, self._fire)

    def _fire(self) -> None:
        self._pending = None
        if self.closed:
            return
        self._last_pli = self._clock()
        self._awaiting = True
        self.keyframe_requests += 1
        self._send_pli()

    def close(self) -> None:
        self.closed = True
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        for slot in list(self.subscribers):
            slot.detach()


class SlotTrack(MediaStreamTrack):
    """The track an RTCRtpSender reads; its source publication can change.

    Frames go to ``sink`` (set once the sender has started), not through
    ``recv()``: see the module doc.
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.source: Publication | None = None
        self.sink: FrameSink | None = None
        self._parked: asyncio.Future[None] | None = None
        self._needs_keyframe = kind == "video"
        self._rebase = True
        self._offset = 0
        self._last_out: int | None = None
        self.dropped = 0

    def attach(self, pub: Publication) -> None:
        if pub is self.source:
            return
        self.detach()
        self.source = pub
        pub.subscribers.add(self)
        self._needs_keyframe = self.kind == "video"
        self._rebase = True
        pub.request_keyframe()  # a new subscriber needs a keyframe to start decoding

    def detach(self) -> None:
        if self.source is not None:
            self.source.lane.leave(self)
            self.source.subscribers.discard(self)
            self.source = None

    def request_keyframe(self) -> None:
        """A subscriber's PLI/FIR, relayed by the sender hook."""
        if self.source is not None:
            self.source.request_keyframe()

    def push(self, frame: EncodedFrame) -> None:
        sink = self.sink
        if sink is None:  # the sender has not started: nothing can go out yet
            self.dropped += 1
            self._needs_keyframe = self.kind == "video"
            return
        if self._needs_keyframe and not frame.keyframe:
            self.dropped += 1  # a delta is useless before a keyframe
            self.request_keyframe()  # throttled at the publication
            return
        if self._rebase:
            timestamp = self._timestamp(frame)
        else:  # the steady case of _timestamp, inline: this runs per frame per subscriber
            out = self._last_out = frame.timestamp + self._offset
            timestamp = out & 0xFFFFFFFF
        try:
            sent = sink.send(frame, timestamp)
        except Exception:
            # This runs inside the publisher's receive path: one broken subscriber
            # must not stop the others (aiortc's per-sender loop would just end).
            logger.exception("forwarding on a slot failed: slot stopped")
            self._drop_sink()
            return
        if sent:
            self._needs_keyframe = False
        else:
            self._overflow()

    def _overflow(self) -> None:
        # The subscriber is not keeping up: this frame is lost.
        self.dropped += 1
        self.resync()

    def resync(self) -> None:
        """A frame may be missing: video restarts at a keyframe (a later delta would
        reference missing data)."""
        if self.kind == "video":
            self._needs_keyframe = True
            self.request_keyframe()

    async def recv(self) -> EncodedFrame:  # type: ignore[override]
        # Only aiortc's RTP loop calls this; it must never get a frame (the
        # sink sends instead), so it waits here until the track stops.
        if self.readyState == "live":
            self._parked = asyncio.get_running_loop().create_future()
            try:
                await self._parked
            finally:
                self._parked = None
        raise MediaStreamError

    def lane_offset(self) -> int | None:
        """The timestamp offset, if this slot is steady enough for the lane (else None)."""
        if self.sink is None or self._needs_keyframe or self._rebase or self._last_out is None:
            return None
        return self._offset

    def left_lane(self, last_frame_ts: int | None) -> None:
        if last_frame_ts is not None:  # what the lane sent last: the rebase after a switch follows it
            self._last_out = last_frame_ts + self._offset

    def _drop_sink(self) -> None:
        sink, self.sink = self.sink, None
        if sink is not None:
            sink.close()

    def _timestamp(self, frame: EncodedFrame) -> int:
        # Keep the outgoing RTP timestamps continuous across source switches
        # (each publication's timeline starts at 0).
        if self._rebase:
            self._rebase = False
            start = 0 if self._last_out is None else self._last_out + FRAME_STEP[self.kind]
            self._offset = start - frame.timestamp
        out = frame.timestamp + self._offset
        self._last_out = out
        return out & 0xFFFFFFFF

    def stop(self) -> None:
        self.detach()
        self._drop_sink()
        super().stop()
        parked = self._parked
        if parked is not None and not parked.done():
            parked.set_result(None)  # recv() raises: the sender loop ends
