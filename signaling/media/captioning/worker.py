"""The caption worker process: Opus → 16 kHz mono PCM (PyAV) → one engine per voice.

Messages in (``inbox``): ``("audio", voice, opus_payload, heard_at)``, ``("end", voice)``,
``("stats",)``, ``None`` (stop). Messages out (``outbox``): ``("line", voice, text, final,
heard_at)``, ``("status", voice, state, message)``, ``("stats", cpu_seconds, audio_seconds,
frames)``, ``("ready", engine_name)``, ``("fatal", message)``.

A voice's engine that raises is rebuilt (the line it was on is lost) and the worker says
so; the process itself is restarted by the service if it dies. Nothing here imports Django.
"""
from __future__ import annotations

import logging
import os
import queue
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from .engines import Engine, EngineFactory, EngineSpec, factory_for
from .rules import partial_due

logger = logging.getLogger(__name__)
OPUS_RATE = 48000
ORPHAN_CHECK_S = 2.0


class OpusToPcm:
    """One voice's Opus decoder and resampler to the engines' 16 kHz mono s16."""

    def __init__(self) -> None:
        import av

        self._codec = av.CodecContext.create("libopus", "r")
        self._codec.sample_rate = OPUS_RATE
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
        self._packet = av.Packet

    def decode(self, payload: bytes) -> bytes:
        out = bytearray()
        for frame in self._codec.decode(self._packet(payload)):
            for resampled in self._resampler.resample(frame):
                out += resampled.to_ndarray().tobytes()
        return bytes(out)


@dataclass
class Voice:
    pcm: OpusToPcm
    engine: Engine
    last_partial: str = ""
    last_partial_at: float = field(default=float("-inf"))


class Worker:
    def __init__(self, factory: EngineFactory, outbox: Any, spare: Engine | None = None) -> None:
        self._factory = factory
        # An engine loaded before any audio came: loading takes seconds, which the first voice's
        # captions would otherwise wait (and fall behind by).
        self._spare = spare
        self._outbox = outbox
        self._voices: dict[str, Voice] = {}
        self.audio_seconds = 0.0
        self.frames = 0

    def audio(self, voice_key: str, payload: bytes, heard_at: float) -> None:
        voice = self._voices.get(voice_key)
        if voice is None:
            engine, self._spare = self._spare or self._factory(), None
            voice = self._voices[voice_key] = Voice(OpusToPcm(), engine)
        try:
            pcm = voice.pcm.decode(payload)
        except Exception as exc:  # noqa: BLE001 — one bad packet: skip it, keep the voice
            logger.debug("undecodable opus packet from %s: %s", voice_key, exc)
            return
        self.frames += 1
        self.audio_seconds += len(pcm) / 32000
        try:
            lines = voice.engine.accept(pcm, heard_at)
            partial = voice.engine.partial()
        except Exception as exc:  # noqa: BLE001 — the engine failed: rebuild it and say so
            self._restart(voice_key, voice, exc)
            return
        for line in lines:
            self._outbox.put(("line", voice_key, line.text, True, line.heard_at))
            voice.last_partial, voice.last_partial_at = "", float("-inf")
        now = time.monotonic()
        if partial_due(partial, voice.last_partial, voice.last_partial_at, now):
            voice.last_partial, voice.last_partial_at = partial, now
            self._outbox.put(("line", voice_key, partial, False, heard_at))

    def _restart(self, voice_key: str, voice: Voice, exc: Exception) -> None:
        message = f"the caption engine failed ({type(exc).__name__}: {exc}) and was restarted"
        try:
            voice.engine = self._factory()
        except Exception as again:  # noqa: BLE001
            self._voices.pop(voice_key, None)
            self._outbox.put(("status", voice_key, "failed",
                              f"the caption engine failed and could not restart ({type(again).__name__}: {again})"))
            return
        voice.last_partial, voice.last_partial_at = "", float("-inf")
        self._outbox.put(("status", voice_key, "restarted", message))

    def end(self, voice_key: str) -> None:
        self._voices.pop(voice_key, None)

    def stats(self) -> None:
        self._outbox.put(("stats", time.process_time(), self.audio_seconds, self.frames))


def run(inbox: Any, outbox: Any, spec: EngineSpec) -> None:
    """The worker process's main function."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops us
    try:
        factory = factory_for(spec)
        spare = factory()  # load the model now: a broken engine is reported before any audio
    except Exception as exc:  # noqa: BLE001
        outbox.put(("fatal", f"the caption engine {spec.name} cannot start ({type(exc).__name__}: {exc})"))
        return
    outbox.put(("ready", spec.name))
    worker = Worker(factory, outbox, spare)
    parent = os.getppid()
    while True:
        try:
            item = inbox.get(timeout=ORPHAN_CHECK_S)
        except queue.Empty:
            if os.getppid() != parent:  # the server died without stopping us
                return
            continue
        if item is None:
            return
        kind = item[0]
        if kind == "audio":
            worker.audio(item[1], item[2], item[3])
        elif kind == "end":
            worker.end(item[1])
        elif kind == "stats":
            worker.stats()
