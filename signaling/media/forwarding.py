"""Fan-out of encoded frames: publications (one per published track) feed slots
(one per server-side sender).

A ``SlotTrack`` is the track of one RTCRtpSender for the sender's whole life;
switching what a subscriber receives on that m-line is ``attach(other_pub)``,
never a new track -- aiortc's sender loop exits for good if its track raises,
and a track swap would leave the loop waiting on the old one.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from .passthrough import EncodedFrame, OutgoingFrame

KEYFRAME_INTERVAL = 0.5  # at most one PLI per publisher track per 500 ms
MAX_QUEUED = {"video": 30, "audio": 25}  # ~1 s video / 0.5 s audio backlog per slot
FRAME_STEP = {"video": 3000, "audio": 960}  # RTP ticks inserted at a source switch


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
        self.keyframe_requests = 0
        self.frames_in = 0
        self._send_pli = send_pli
        self._clock = clock
        self._last_pli = float("-inf")
        self._awaiting = False  # a PLI went out and no keyframe came back yet
        self._pending: asyncio.TimerHandle | None = None
        self.closed = False

    def deliver(self, frame: EncodedFrame) -> None:
        self.frames_in += 1
        if frame.keyframe:
            self._awaiting = False
        for slot in self.subscribers:
            slot.push(frame)

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
    """The track an RTCRtpSender reads; its source publication can change."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.source: Publication | None = None
        self._frames: deque[EncodedFrame] = deque()
        self._waiter: asyncio.Future[None] | None = None
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
            self.source.subscribers.discard(self)
            self.source = None
        self._frames.clear()

    def request_keyframe(self) -> None:
        """A subscriber's PLI/FIR, relayed by the sender hook."""
        if self.source is not None:
            self.source.request_keyframe()

    def push(self, frame: EncodedFrame) -> None:
        if self._needs_keyframe:
            if not frame.keyframe:
                self.dropped += 1
                self.request_keyframe()  # throttled at the publication
                return
            self._needs_keyframe = False
        frames = self._frames
        if frame.keyframe and self.kind == "video":
            frames.clear()  # nothing before a keyframe is needed any more
        elif len(frames) >= MAX_QUEUED[self.kind]:
            self._overflow()
            if self._needs_keyframe:
                return
        frames.append(frame)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _overflow(self) -> None:
        # The sender is not keeping up (or not started yet): drop the backlog.
        self.dropped += len(self._frames)
        self._frames.clear()
        if self.kind == "video":
            self._needs_keyframe = True
            self.request_keyframe()

    async def recv(self) -> OutgoingFrame:  # type: ignore[override]
        while not self._frames:
            if self.readyState != "live":
                raise MediaStreamError
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._outgoing(self._frames.popleft())

    def _outgoing(self, frame: EncodedFrame) -> OutgoingFrame:
        # Keep the outgoing RTP timestamps continuous across source switches
        # (each publication's timeline starts at 0).
        if self._rebase:
            self._rebase = False
            start = 0 if self._last_out is None else self._last_out + FRAME_STEP[self.kind]
            self._offset = start - frame.timestamp
        out = frame.timestamp + self._offset
        self._last_out = out
        return OutgoingFrame(frame, out & 0xFFFFFFFF)

    def stop(self) -> None:
        self.detach()
        super().stop()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)  # recv() re-checks readyState and raises
