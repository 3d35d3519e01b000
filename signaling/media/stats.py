"""Forwarding counters and the tap-to-transport latency reservoir."""

from __future__ import annotations

import time
from collections import deque

from .passthrough import EncodedFrame


class ForwardStats:
    def __init__(self, samples: int = 20000) -> None:
        self.frames = 0
        self.packets = 0
        self._latency: deque[float] = deque(maxlen=samples)

    def on_packed(self, frame: EncodedFrame, packets: int, subscribers: int, sent_at: float | None = None) -> None:
        """A frame's packets went out to ``subscribers`` (one sender, or a whole lane).

        One latency sample per call: now, or ``sent_at`` (``time.perf_counter``
        clock) for the lane, which times one member per frame, in rotation.
        """
        self.frames += subscribers
        self.packets += packets
        self._latency.append((sent_at or time.perf_counter()) - frame.tapped_at)

    def reset_latency(self) -> None:
        self._latency.clear()

    def latency_ms(self) -> dict[str, float]:
        if not self._latency:
            return {"p50": 0.0, "p99": 0.0, "max": 0.0, "samples": 0}
        ordered = sorted(self._latency)
        n = len(ordered)
        return {
            "p50": 1000 * ordered[n // 2],
            "p99": 1000 * ordered[min(n - 1, (n * 99) // 100)],
            "max": 1000 * ordered[-1],
            "samples": n,
        }
