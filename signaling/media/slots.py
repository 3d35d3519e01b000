"""A peer's receive slots: server ``sendonly`` m-lines, recycled across sources.

Each slot is one transceiver whose sender reads one ``SlotTrack`` for life;
reconciling points idle slots at wanted publications of the same kind and
only adds transceivers (an SDP change) when none is free. Idle slots keep
their m-line: a later subscription reuses it without renegotiating.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpTransceiver
from aiortc.rtcrtpparameters import RTCRtpSendParameters

from .feedback import SubscriberFeedback
from .forwarding import Publication, SlotTrack
from .passthrough import install_sender_hooks
from .sdp_guard import codec_preferences
from .sendpath import FastSender, PackedSink, install_fast_sender
from .signals import TrackInfo

logger = logging.getLogger(__name__)
MAX_SLOTS = 100


@dataclass
class Slot:
    transceiver: RTCRtpTransceiver
    track: SlotTrack


class SlotSet:
    def __init__(
        self, pc: RTCPeerConnection, on_packed: PackedSink, on_paused: Callable[[bool], None] = lambda _: None
    ) -> None:
        self._pc = pc
        self._on_packed = on_packed
        self.slots: list[Slot] = []
        # The subscriber's downlink: estimate, resend budget, video paused or not (feedback.py).
        self.feedback = SubscriberFeedback(lambda: [s.track for s in self.slots], on_paused)

    def assign(self, desired: list[Publication]) -> tuple[bool, bool]:
        """Point slots at ``desired``; returns (sdp changed, assignment changed)."""
        wanted = {p.pub_id for p in desired}
        assign_changed = sdp_changed = False
        for used in self.slots:
            source = used.track.source
            if source is not None and (source.pub_id not in wanted or source.closed):
                used.track.detach()
                assign_changed = True
        held = {s.track.source.pub_id: s.track for s in self.slots if s.track.source is not None}
        for priority, pub in enumerate(desired):  # in display order: the stage first
            if pub.pub_id in held:
                held[pub.pub_id].priority = priority
                continue
            slot = self._free(pub.kind)
            if slot is None:
                if len(self.slots) >= MAX_SLOTS:
                    logger.warning("slot limit reached: not forwarding %s", pub.pub_id)
                    break
                slot = self._new_slot(pub.kind)
                sdp_changed = True
            slot.track.priority = priority
            slot.track.attach(pub, self.feedback.initial_layer(slot.track, pub))
            self.feedback.apply_to(slot.track)
            assign_changed = True
        return sdp_changed, assign_changed

    def _free(self, kind: str) -> Slot | None:
        return next((s for s in self.slots if s.track.kind == kind and s.track.source is None), None)

    def _new_slot(self, kind: str) -> Slot:
        track = SlotTrack(kind)
        transceiver = self._pc.addTransceiver(track, direction="sendonly")
        transceiver.setCodecPreferences(codec_preferences(kind))
        sender = transceiver.sender

        def started(parameters: RTCRtpSendParameters) -> None:
            if track.readyState == "live":  # not stopped while aiortc was starting it
                fast = install_fast_sender(sender, parameters, self._on_packed)
                fast.budget = self.feedback.budget
                track.sink = fast

        def on_rtcp(packet: Any) -> None:
            # Runs in aiortc's RTCP handling: a failure here must not stop it.
            try:
                sink = track.sink
                rtt = sink.round_trip() if isinstance(sink, FastSender) else None
                self.feedback.on_rtcp(sender._ssrc, packet, rtt)
            except Exception:
                logger.exception("subscriber feedback failed")

        install_sender_hooks(sender, track.on_subscriber_pli, started, on_rtcp)
        slot = Slot(transceiver, track)
        self.slots.append(slot)
        return slot

    def set_hidden(self, mids: set[str]) -> None:
        """The receiver's tiles for these m-lines are off screen (``media.visible``)."""
        by_track = {id(s.track): s.transceiver.mid for s in self.slots}
        self.feedback.set_hidden(mids, lambda track: by_track.get(id(track)))

    def set_sizes(self, sizes: dict[str, int]) -> None:
        """How tall the receiver's tiles are (``media.visible`` ``sizes``): picks layers."""
        by_track = {id(s.track): s.transceiver.mid for s in self.slots}
        self.feedback.set_sizes(sizes, lambda track: by_track.get(id(track)))

    def mids(self) -> set[str]:
        return {s.transceiver.mid for s in self.slots if s.transceiver.mid is not None}

    def track_infos(self) -> tuple[TrackInfo, ...]:
        return tuple(
            TrackInfo(mid=s.transceiver.mid, participant_id=src.participant_id, label=src.label, kind=src.kind)
            for s in self.slots
            if (src := s.track.source) is not None and s.transceiver.mid is not None
        )

    def stop(self) -> None:
        for slot in self.slots:
            slot.track.stop()

    def __len__(self) -> int:
        return len(self.slots)

    def __iter__(self) -> Iterator[Slot]:
        return iter(self.slots)
