"""Speech engines, run inside the caption worker process (worker.py), one per voice.

An engine takes 16 kHz mono s16 PCM as it arrives and returns the lines it has settled;
``partial()`` is the line being recognized. ``pocketsphinx`` is embedded: its wheel ships a
US English model, so nothing is downloaded. ``faster-whisper`` is used when the operator
installs it and sets ``CAPTIONS_MODEL`` to a model directory (select_engine). An engine may
also be named ``"module:factory"`` (a callable returning an Engine): operators plug in their
own, tests plug in a failing one.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from .rules import EMBEDDED, WHISPER, choose_engine

logger = logging.getLogger(__name__)
SAMPLE_RATE = 16000
BYTES_PER_SECOND = SAMPLE_RATE * 2
# A line is cut after this much continuous speech: captions are read line by line, and a
# speaker who never pauses must still be captioned before they stop.
MAX_UTTERANCE_S = 8.0


@dataclass(frozen=True)
class Heard:
    text: str
    heard_at: float  # when the last audio of the line reached the server (time.monotonic)


class Engine(Protocol):
    name: str

    def accept(self, pcm: bytes, heard_at: float) -> list[Heard]:
        """Feed PCM; the lines that ended in it (a pause, or MAX_UTTERANCE_S of speech)."""
        ...

    def partial(self) -> str:
        """The line being recognized ("" between lines)."""
        ...


EngineFactory = Callable[[], Engine]


class _Segments:
    """Voice activity (pocketsphinx's WebRTC-VAD endpointer): feeds an utterance's speech to
    ``start``/``speech``/``end`` callbacks in frames of the endpointer's size."""

    def __init__(self) -> None:
        from pocketsphinx import Endpointer

        self._endpointer = Endpointer(sample_rate=SAMPLE_RATE)
        self._frame = self._endpointer.frame_bytes
        self._pending = bytearray()
        self.in_utterance = False
        self.utterance_bytes = 0

    def frames(self, pcm: bytes) -> Iterator[tuple[bytes, bool]]:
        """(speech, utterance ends here) per endpointer frame that holds speech."""
        self._pending += pcm
        while len(self._pending) >= self._frame:
            frame = bytes(self._pending[: self._frame])
            del self._pending[: self._frame]
            speech = self._endpointer.process(frame)
            if speech is None:
                continue
            self.in_utterance = True
            self.utterance_bytes += len(speech)
            ends = not self._endpointer.in_speech or self.utterance_bytes >= MAX_UTTERANCE_S * BYTES_PER_SECOND
            if ends:
                self.in_utterance, self.utterance_bytes = False, 0
            yield speech, ends


class PocketsphinxEngine:
    name = EMBEDDED

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        # Pruning bounds (active HMMs and words per frame): less than half the CPU of the
        # defaults with the same word error rate on the test script (docs/benchmarks.md).
        self._decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL", maxhmmpf=2000, maxwpf=5)
        self._segments = _Segments()
        self._started = False

    def accept(self, pcm: bytes, heard_at: float) -> list[Heard]:
        lines: list[Heard] = []
        for speech, ends in self._segments.frames(pcm):
            if not self._started:
                self._decoder.start_utt()
                self._started = True
            self._decoder.process_raw(speech)
            if ends:
                self._decoder.end_utt()
                self._started = False
                text = self._text()
                if text:
                    lines.append(Heard(text, heard_at))
        return lines

    def partial(self) -> str:
        return self._text() if self._started else ""

    def _text(self) -> str:
        hyp = self._decoder.hyp()
        # pocketsphinx marks fillers and noise as <sil>, [NOISE], (2) alternates: not words.
        return " ".join(w for w in (hyp.hypstr.split() if hyp else []) if w[:1].isalnum()) if hyp else ""


_whisper_models: dict[str, object] = {}


class WhisperEngine:
    """faster-whisper on whole utterances (no partial lines: it decodes a segment at a time)."""

    name = WHISPER

    def __init__(self, model: str) -> None:
        from faster_whisper import WhisperModel  # guarded by select_engine: not installed by default

        if model not in _whisper_models:  # one model per worker process, shared by every voice
            _whisper_models[model] = WhisperModel(model, device="cpu", compute_type="int8")
        self._model = _whisper_models[model]
        self._segments = _Segments()
        self._speech = bytearray()

    def accept(self, pcm: bytes, heard_at: float) -> list[Heard]:
        lines: list[Heard] = []
        for speech, ends in self._segments.frames(pcm):
            self._speech += speech
            if ends:
                text = self._transcribe(bytes(self._speech))
                self._speech.clear()
                if text:
                    lines.append(Heard(text, heard_at))
        return lines

    def partial(self) -> str:
        return ""

    def _transcribe(self, pcm: bytes) -> str:
        import numpy as np

        audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        segments, _ = self._model.transcribe(audio, language="en", beam_size=1)  # type: ignore[attr-defined]
        return " ".join(s.text.strip() for s in segments).strip()


@dataclass(frozen=True)
class EngineSpec:
    """Which engine the worker process builds: a name (EMBEDDED, WHISPER or "module:factory")
    and faster-whisper's model directory. Picklable: it crosses into the worker process."""

    name: str = EMBEDDED
    model: str | None = None


def select_engine(engine: str = "", model: str | None = None) -> EngineSpec:
    """In the server process (so the reason is logged where operators look): ``engine``
    ``"module:factory"`` if given, else faster-whisper when ``model`` (``CAPTIONS_MODEL``) can be
    used, else pocketsphinx. A configured model that cannot be used is logged with the reason;
    captions still work, with the embedded engine."""
    if ":" in engine:
        return EngineSpec(engine)
    choice = choose_engine(model, whisper_installed=importlib.util.find_spec("faster_whisper") is not None,
                           model_exists=bool(model) and os.path.isdir(model or ""))
    if choice.fallback_reason:
        logger.warning("automatic captions: %s", choice.fallback_reason)
    return EngineSpec(choice.engine, choice.model)


def factory_for(spec: EngineSpec) -> EngineFactory:
    """In the worker process: what builds one voice's engine."""
    if ":" in spec.name:
        module, _, attr = spec.name.partition(":")
        factory: EngineFactory = getattr(importlib.import_module(module), attr)
        return factory
    if spec.name == WHISPER:
        model = spec.model or ""
        return lambda: WhisperEngine(model)
    return PocketsphinxEngine
