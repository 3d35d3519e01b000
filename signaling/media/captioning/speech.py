"""A known script, spoken by Debian's ``espeak-ng``, published like a microphone.

Used by tests/signaling/media/test_captions.py and bench/captions.py to measure automatic captions
end to end (word error rate, delay) with real speech instead of a recording in the repo.
"""
from __future__ import annotations

import asyncio
import fractions
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from aiortc.mediastreams import MediaStreamTrack

if TYPE_CHECKING:
    import av  # imported when speaking: pages never need PyAV

# Plain sentences of the kind said at a convening's plenary.
SCRIPT: tuple[str, ...] = (
    "Good morning and welcome to the meeting.",
    "After the break we will meet in small groups.",
    "Let us look at the results from last year.",
    "I would like to hear from each of you.",
)
RATE = 48000
FRAME_SAMPLES = 960  # 20 ms, as a browser's Opus microphone sends
PAUSE_S = 1.2  # between sentences: a speaker's pause (ends the caption line)
LEAD_S = 0.5  # silence before the first sentence


def espeak_pcm(sentence: str, *, voice: str = "en-us", words_per_minute: int = 140) -> bytes:
    """``sentence`` spoken by espeak-ng: 48 kHz mono s16 PCM."""
    import av

    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng; .ci/services.sh does it)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(wav), sentence],
                       check=True, capture_output=True, timeout=30)
        with av.open(str(wav)) as container:
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            frames = [r for f in container.decode(audio=0) for r in resampler.resample(f)]
            frames += resampler.resample(None)
            return b"".join(f.to_ndarray().tobytes() for f in frames)


class SpeechTrack(MediaStreamTrack):
    """A microphone saying ``sentences`` (pauses between them), then silence. ``ended_at[i]``
    is when the last audio of sentence ``i`` was handed to the sender (time.perf_counter)."""

    kind = "audio"

    def __init__(self, sentences: tuple[str, ...] = SCRIPT) -> None:
        super().__init__()
        silence = bytes(int(PAUSE_S * RATE) * 2)
        self.sentences = sentences
        self._pcm = bytearray(bytes(int(LEAD_S * RATE) * 2))
        self._ends: list[int] = []  # byte offset where each sentence ends
        for sentence in sentences:
            self._pcm += espeak_pcm(sentence)
            self._ends.append(len(self._pcm))
            self._pcm += silence
        self.ended_at: list[float | None] = [None] * len(sentences)
        self.started_at: float | None = None
        self._samples = 0
        self._start: float | None = None

    @property
    def duration(self) -> float:
        return len(self._pcm) / 2 / RATE

    async def recv(self) -> av.AudioFrame:
        import av
        import numpy as np

        if self._start is None:
            self._start = self.started_at = time.perf_counter()
        await asyncio.sleep(max(0.0, self._start + self._samples / RATE - time.perf_counter()))
        offset = self._samples * 2
        chunk = bytes(self._pcm[offset: offset + FRAME_SAMPLES * 2]).ljust(FRAME_SAMPLES * 2, b"\0")
        frame = av.AudioFrame.from_ndarray(np.frombuffer(chunk, dtype=np.int16).reshape(1, -1),
                                           format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, self._samples, fractions.Fraction(1, RATE)
        self._samples += FRAME_SAMPLES
        now = time.perf_counter()
        for i, end in enumerate(self._ends):
            if self.ended_at[i] is None and offset < end <= offset + FRAME_SAMPLES * 2:
                self.ended_at[i] = now
        return frame
