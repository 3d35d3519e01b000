"""Automatic captions (issue 19 item 2): the one place the server decodes audio.

Forwarding never decodes (passthrough.py). For the publications a captioned space wants
transcribed -- its stage and its most recent active speakers' microphones -- a tap copies
each Opus payload into a bounded queue (``CaptionService.offer``: drop and count when full,
never wait). A separate *process* (worker.py) decodes Opus to 16 kHz mono s16 with PyAV and
feeds a speech engine (engines.py): the engines hold the GIL for long stretches (pocketsphinx
stalls a thread's neighbours for ~300 ms), so a thread pool would stall the forwarding loop.
Lines come back to the event loop and leave through ``on_line(space, speaker, text, final)``
(the ``CAPTION_SINK`` module, signaling/consumers/automatic_captions.py, hands them to
``rooms.actions.captions.automatic_line``).

Nothing runs while no space is captioned: publications keep ``caption = None`` and the
forwarding path pays one attribute test per frame.
"""
from __future__ import annotations

from .service import CaptionService, OnLine, OnStatus
from .wer import word_error_rate

__all__ = ["CaptionService", "OnLine", "OnStatus", "word_error_rate"]
