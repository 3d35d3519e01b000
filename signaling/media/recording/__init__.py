"""Recordings (issue 19 item 4): the live half. Packets are written as they arrive, never decoded.

For a recorded space, every publication of its members gets ``Publication.recording`` set to a
tap (service.py) that copies the encoded frame into one bounded queue -- or, when the queue is
full, drops it and marks a gap: forwarding never waits on a disk. A writer thread (writer.py)
drains the queue and muxes each publication's VP8/Opus frames as they are into its own WebM file
(PyAV, no codec opened), flushed about every second so a crash leaves a file readable up to it,
next to a timeline (timeline.py: who was on the stage, which publication when, the gaps). After
the recording stops, render.py turns the folder into one playable file offline (worker-driven,
platform/recordings).
"""
from __future__ import annotations

from .service import OnFault, RecordingService, recorder_of

__all__ = ["OnFault", "RecordingService", "recorder_of"]
