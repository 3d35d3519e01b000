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
import enum
import logging
import time
from collections.abc import Callable
from typing import Protocol

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from .lane import Lane
from .passthrough import EncodedFrame

logger = logging.getLogger(__name__)
# At most one PLI per published track per second, however many subscribers ask: every
# keyframe costs the publisher's uplink and every other subscriber's picture quality.
KEYFRAME_INTERVAL = 1.0
# A subscriber's own PLI/FIR is passed on at most this often (a weak viewer asks constantly).
SUBSCRIBER_PLI_INTERVAL = 2.0
BITRATE_WINDOW = 1.0  # seconds over which a publication's incoming bitrate is measured
FRAME_STEP = {"video": 3000, "audio": 960}  # RTP ticks inserted at a source switch
# A layer's bitrate guess until it was measured (bits/s per line of height: 720p ~1.4 Mbit/s,
# 180p ~360 kbit/s): on the high side, so that a new viewer never starts above its link.
BITS_PER_LINE = 2000


class FrameSink(Protocol):
    def send(self, frame: EncodedFrame, timestamp: int) -> bool:
        """Send now; False if the subscriber is backlogged and the frame was dropped."""
        ...

    def close(self) -> None:
        """No more frames: release what sending held."""
        ...


class Publisher(Protocol):
    """Someone whose publications a server holds: a local ``Peer`` or a ``RemotePublisher``."""

    publications: dict[str, Publication]  # mid -> the publication the space sees


class Publication:
    """One track a participant publishes, as received by the server.

    A camera sent in simulcast layers (one m-line each) is one publication per layer,
    grouped: ``layers`` (lowest first) is the same tuple on each of them, and the space sees
    only the top one (the peer's ``publications``). A subscriber's slot attaches to that one
    (``SlotTrack.source``) and is fed by one layer (``SlotTrack.feed``).
    """

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
        self.bytes_in = 0
        self._rate_mark = (clock(), 0)  # (when, bytes_in then): the bitrate window's start
        self._bitrate = 0.0
        self._send_pli = send_pli
        self._clock = clock
        self._last_pli = float("-inf")
        self._awaiting = False  # a PLI went out and no keyframe came back yet
        self._pending: asyncio.TimerHandle | None = None
        self.closed = False
        # Automatic captions (captioning/): a copy into a bounded queue, set only while this
        # voice is transcribed; None costs forwarding one attribute test per frame.
        self.caption: Callable[[EncodedFrame], None] | None = None
        self.recording: Callable[[EncodedFrame], None] | None = None  # the same, for recordings (recording/)
        self.relay: Callable[[EncodedFrame], None] | None = None  # to other media workers (cascade.py)
        self.rank = 0
        self.height: int | None = None  # pixels, as the publisher says it sends this layer
        self.layers: tuple[Publication, ...] = (self,)  # the camera's layers, lowest first
        self.waiting: set[SlotTrack] = set()  # slots switching to this layer at its next keyframe
        # The publisher, told when which of its layers anyone needs may have changed (peer.py).
        self.on_demand: Callable[[], None] | None = None
        self._measured = 0.0  # the highest bitrate measured: what the layer costs while it is paused

    @property
    def layered(self) -> bool:
        return len(self.layers) > 1

    @property
    def top(self) -> Publication:
        """The publication the space sees (the top layer; itself if not layered)."""
        return self.layers[-1]

    def group(self, layers: list[Publication]) -> None:
        """Make ``layers`` (lowest first, this one among them) one camera's layers."""
        ordered = tuple(layers)
        for rank, layer in enumerate(ordered):
            layer.layers, layer.rank = ordered, rank

    def expected_bitrate(self) -> float:
        """What forwarding this layer costs: the most it was measured at (a guess from its
        height before it ever flowed)."""
        measured = self.bitrate()
        if self.kind != "video":
            return measured
        # The most it was seen at: a window the layer stopped (or started) in part-way measures
        # less, and a viewer put on a layer that does not fit loses what it was sent.
        self._measured = max(self._measured, measured)
        return self._measured or float(BITS_PER_LINE * (self.height or 360))

    def layer_costs(self) -> list[float]:
        """What each layer of this camera costs, lowest first; never less than the one below
        (a layer that just started has been measured over part of a window only)."""
        costs: list[float] = []
        for layer in self.layers:
            costs.append(max(layer.expected_bitrate(), costs[-1] if costs else 0.0))
        return costs

    def needed_layers(self) -> list[Publication]:
        """The layers of this camera anyone receives or switches to (the lowest always:
        a weak viewer's fallback must start at once)."""
        return [layer for layer in self.layers if layer.rank == 0 or layer.waiting or layer.recording or layer.relay
                or any(slot.state is not StreamState.PAUSED for slot in layer.subscribers)]

    def demand_changed(self) -> None:
        if self.on_demand is not None:
            self.on_demand()

    def deliver(self, frame: EncodedFrame) -> None:
        self.frames_in += 1
        self.bytes_in += len(frame.data)
        if self.caption is not None:
            self.caption(frame)
        if self.recording is not None:
            self.recording(frame)
        if self.relay is not None:
            self.relay(frame)
        if frame.keyframe:
            self._awaiting = False
            for slot in list(self.waiting):  # their switch to this layer starts with this frame
                slot.cut_over(self)
        self.lane.deliver(frame, self.subscribers)

    def bitrate(self) -> float:
        """Incoming payload bits per second over the last completed ~1 s window."""
        since, mark = self._rate_mark
        now = self._clock()
        if now - since >= BITRATE_WINDOW:
            self._bitrate = 8 * (self.bytes_in - mark) / (now - since)
            self._rate_mark = (now, self.bytes_in)
        return self._bitrate

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
        for slot in [*self.subscribers, *self.waiting]:
            slot.detach()
        if self.top is self:
            for layer in self.layers[:-1]:
                layer.close()


class StreamState(enum.Enum):
    """Where one subscriber stream (a ``SlotTrack``) stands; only ``SlotTrack._become`` changes it."""

    IDLE = "idle"  # no source
    AWAITING_KEYFRAME = "awaiting_keyframe"  # video: deltas are useless until a keyframe
    FORWARDING = "forwarding"  # every frame goes out (audio is always here while it has a source)
    PAUSED = "paused"  # video held back: see ``SlotTrack.holds`` for why


_FORWARDING = StreamState.FORWARDING  # module constant: read per frame per subscriber
WEAK, HIDDEN = "weak", "hidden"  # why a video stream is paused (SlotTrack.holds)


class SlotTrack(MediaStreamTrack):
    """The track an RTCRtpSender reads; its source publication can change.

    One subscriber stream's owner: its state (``StreamState``), the timestamp
    rewriting across source switches, which layer feeds it (``feed``; a switch to
    another layer, ``want``, happens at that layer's next keyframe) and its lane
    membership (in the feeding layer's lane); the sequence numbers
    and picture ids live in its sink (``sendpath.FastSender``) or, while in the
    lane, in the C ``Stream`` the lane hands back. Frames go to ``sink`` (set once
    the sender has started), not through ``recv()``: see the module doc.
    """

    def __init__(self, kind: str, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.kind = kind
        self.source: Publication | None = None  # what the subscriber receives (a camera's top layer)
        self.feed: Publication | None = None  # the layer of ``source`` whose frames go out
        self.target: Publication | None = None  # the layer switched to at its next keyframe
        self.switches = 0  # layer switches made
        self.rendered_height: int | None = None  # its tile's height on the subscriber's screen (None: large)
        self.priority = 0  # its place in what the subscriber receives (the stage first)
        # Padding sent along (bits/s) while a higher layer is probed (layers.py): off the lane.
        self.probe_rate = 0.0
        self._probed_at = 0.0
        self.probe_bytes = 0
        self.sink: FrameSink | None = None
        self.state = StreamState.IDLE
        self.transitions = 0  # state changes, for diagnostics
        # Why video is held back (PAUSED while any): WEAK (the subscriber's downlink cannot
        # carry it: downlink.py), HIDDEN (not on the subscriber's screen: media.visible).
        self.holds: set[str] = set()
        self._parked: asyncio.Future[None] | None = None
        self._rebase = True
        self._offset = 0
        self._last_out: int | None = None
        self._clock = clock
        self._last_subscriber_pli = float("-inf")
        self.dropped = 0
        self.plis_received = 0  # the subscriber's own PLI/FIR
        self.plis_passed = 0  # ... of which went on to the publication

    def _become(self, state: StreamState) -> None:
        """The one place the state changes (and lane membership follows it)."""
        if state is self.state:
            return
        if state is not StreamState.FORWARDING and self.feed is not None:
            self.feed.lane.leave(self)  # only forwarding streams are in the lane
        paused = StreamState.PAUSED in (state, self.state)
        self.state = state
        self.transitions += 1
        if paused and self.source is not None:  # a paused stream needs no layer at the publisher
            self.source.demand_changed()

    def _start_state(self) -> StreamState:
        return StreamState.AWAITING_KEYFRAME if self.kind == "video" else StreamState.FORWARDING

    def attach(self, pub: Publication, layer: Publication | None = None) -> None:
        """Receive ``pub`` (a camera's top layer), fed by ``layer`` of it (default: the top)."""
        if pub is self.source:
            return
        self.holds.discard(HIDDEN)  # another person's video on this m-line: on screen until told
        self.rendered_height = None
        self.detach()
        self.source = pub
        self._move_feed(layer if layer is not None and layer in pub.layers else pub)
        if self.holds:  # a weak subscriber stays paused on a switch
            self._become(StreamState.PAUSED)
        else:
            self._become(self._start_state())
            self.request_keyframe()  # a new subscriber needs a keyframe to start decoding
        pub.demand_changed()

    def detach(self) -> None:
        source = self.source
        if source is not None:
            self._cancel_switch()
            self._move_feed(None)
            self.source = None
        if not self.holds:
            self._become(StreamState.IDLE)
        if source is not None:
            source.demand_changed()

    def want(self, layer: Publication) -> None:
        """Be fed by ``layer`` (one of the source's layers): at once if nothing is going out,
        else from its next keyframe (asked for, throttled at the layer) -- a delta of
        another layer would reference pictures this subscriber never got."""
        if self.source is None or layer not in self.source.layers or layer is self.target:
            return
        if layer is self.feed:
            self._cancel_switch()
        elif self.state is StreamState.FORWARDING:
            self._cancel_switch()
            self.target = layer
            layer.waiting.add(self)
            layer.request_keyframe()
        else:  # awaiting a keyframe or paused: switch now (the start waits for a keyframe anyway)
            self._cancel_switch()
            self._move_feed(layer)
            self.request_keyframe()
        self.source.demand_changed()

    def cut_over(self, layer: Publication) -> None:
        """``layer``'s keyframe arrived (it follows at once): it feeds this slot from now on."""
        if layer is not self.target:
            layer.waiting.discard(self)
            return
        self._cancel_switch()
        self._move_feed(layer)
        self.switches += 1
        if self.source is not None:
            self.source.demand_changed()

    @property
    def layer(self) -> int | None:
        """The rank of the layer feeding this slot (None without a source)."""
        return None if self.feed is None else self.feed.rank

    def _cancel_switch(self) -> None:
        if self.target is not None:
            self.target.waiting.discard(self)
            self.target = None

    def _move_feed(self, layer: Publication | None) -> None:
        """The one place the feeding layer changes: out of the old one's lane and subscribers."""
        old = self.feed
        if old is layer:
            return
        if old is not None:
            old.lane.leave(self)
            old.subscribers.discard(self)
        self.feed = layer
        self._rebase = True  # another timeline: the offset is rewritten at the next frame
        if layer is not None:
            layer.subscribers.add(self)

    def pause(self, reason: str = WEAK) -> None:
        """Hold video back for ``reason``; audio is never paused."""
        if self.kind == "video":
            self.holds.add(reason)
            self._become(StreamState.PAUSED)

    def resume(self, reason: str = WEAK) -> None:
        """``reason`` is gone: video again once nothing holds it, from the next keyframe
        (asked for: throttled at the publication)."""
        self.holds.discard(reason)
        if self.state is not StreamState.PAUSED or self.holds:
            return
        if self.source is None:
            self._become(StreamState.IDLE)
            return
        # Same source: the offset stays, so the timestamps jump by the time paused (as they should).
        self._become(StreamState.AWAITING_KEYFRAME)
        self.request_keyframe()

    @property
    def paused(self) -> bool:
        return self.state is StreamState.PAUSED

    @property
    def hidden(self) -> bool:
        return HIDDEN in self.holds

    def request_keyframe(self) -> None:
        """This stream needs a keyframe (throttled and aggregated at the layer feeding it)."""
        if self.feed is not None and self.state is not StreamState.PAUSED:
            self.feed.request_keyframe()

    def on_subscriber_pli(self) -> None:
        """A PLI/FIR from the subscriber, relayed by the sender hook.

        Passed on at most once per ``SUBSCRIBER_PLI_INTERVAL``: a subscriber on a
        weak link asks after every loss, and each keyframe it gets costs the
        publisher and every other subscriber. Ignored while paused or while this
        stream already waits for a keyframe (one is on its way).
        """
        self.plis_received += 1
        if self.state is not StreamState.FORWARDING or self.feed is None:
            return
        now = self._clock()
        if now - self._last_subscriber_pli < SUBSCRIBER_PLI_INTERVAL:
            return
        self._last_subscriber_pli = now
        self.plis_passed += 1
        self.feed.request_keyframe()  # the layer this viewer receives, never the others

    def push(self, frame: EncodedFrame) -> None:
        sink = self.sink
        if sink is None:  # the sender has not started: nothing can go out yet
            self.dropped += 1
            if self.state is StreamState.FORWARDING:
                self._become(self._start_state())
            return
        if self.state is not _FORWARDING and not self._admit(frame):
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
        if not sent:
            self._overflow()
        elif self.probe_rate:
            self._pad(sink)

    def probe(self, rate: float) -> None:
        """Send ``rate`` bits/s of padding along with this stream's frames (0: stop)."""
        if rate and not self.probe_rate:
            self._probed_at = self._clock()
            if self.feed is not None:
                self.feed.lane.leave(self)  # the padding goes out with each frame, from Python
        self.probe_rate = rate

    def _pad(self, sink: FrameSink) -> None:
        now = self._clock()
        size = int(self.probe_rate * min(0.2, now - self._probed_at) / 8)
        self._probed_at = now
        pad = getattr(sink, "pad", None)
        if pad is not None and size > 0:
            self.probe_bytes += pad(size)

    def _admit(self, frame: EncodedFrame) -> bool:
        """Whether ``frame`` may go out on a stream that is not forwarding (and start it)."""
        if self.state is StreamState.AWAITING_KEYFRAME and frame.keyframe:
            self._become(StreamState.FORWARDING)
            return True
        self.dropped += 1
        if self.state is StreamState.AWAITING_KEYFRAME:
            self.request_keyframe()  # a delta is useless before a keyframe (throttled at the publication)
        return False

    def _overflow(self) -> None:
        # The subscriber is not keeping up: this frame is lost.
        self.dropped += 1
        self.resync()

    def resync(self) -> None:
        """A frame may be missing: video restarts at a keyframe (a later delta would
        reference missing data)."""
        if self.kind == "video" and self.state is StreamState.FORWARDING:
            self._become(StreamState.AWAITING_KEYFRAME)
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
        if (self.sink is None or self.state is not StreamState.FORWARDING or self._rebase or self._last_out is None
                or self.probe_rate):
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
        self.holds.clear()
        self.detach()
        self._become(StreamState.IDLE)
        self._drop_sink()
        super().stop()
        parked = self._parked
        if parked is not None and not parked.done():
            parked.set_result(None)  # recv() raises: the sender loop ends
