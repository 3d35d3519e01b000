"""Automatic captions' parts: the pure decisions, engine selection, and the service around
the worker process (bounded queue, restarts, zero cost when off) with real Opus packets."""
from __future__ import annotations

import asyncio
import importlib.machinery
import logging
import os
import signal
import sys
import types
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st

from signaling.media.captioning import CaptionService, word_error_rate
from signaling.media.captioning.engines import (
    EngineSpec,
    Heard,
    PocketsphinxEngine,
    WhisperEngine,
    factory_for,
    select_engine,
)
from signaling.media.captioning.rules import (
    EMBEDDED,
    WHISPER,
    caption_speakers,
    choose_engine,
    parse_space_key,
    partial_due,
)
from signaling.media.forwarding import Publication
from signaling.media.passthrough import EncodedFrame
from signaling.media.spaces import Space

HERE = __name__  # the worker process imports the test engines below by this module's name


# ---- word error rate ----------------------------------------------------------------

def test_word_error_rate_counts_substitutions_deletions_and_insertions() -> None:
    assert word_error_rate("the cat sat", "the cat sat") == 0.0
    assert word_error_rate("the cat sat", "the dog sat") == pytest.approx(1 / 3)
    assert word_error_rate("the cat sat", "the sat") == pytest.approx(1 / 3)
    assert word_error_rate("the cat sat", "the cat sat down") == pytest.approx(1 / 3)
    assert word_error_rate("the cat sat", "") == 1.0
    assert word_error_rate("a b", "x y z w") == 2.0  # more wrong words than said


def test_word_error_rate_ignores_case_and_punctuation() -> None:
    assert word_error_rate("Good morning, everyone. It's ten o'clock!", "good morning everyone it's ten o'clock") == 0


@given(st.lists(st.sampled_from(["we", "will", "meet", "in", "small", "groups"]), max_size=12),
       st.lists(st.sampled_from(["we", "will", "meet", "at", "noon"]), max_size=12))
def test_word_error_rate_is_an_edit_distance(ref: list[str], hyp: list[str]) -> None:
    reference, hypothesis = " ".join(ref), " ".join(hyp)
    assert word_error_rate(reference, reference) == 0.0
    if ref:
        errors = word_error_rate(reference, hypothesis) * len(ref)
        assert abs(len(ref) - len(hyp)) - 1e-9 <= errors <= max(len(ref), len(hyp)) + 1e-9


# ---- pure decisions -----------------------------------------------------------------

def test_the_stage_and_the_most_recent_speakers_are_captioned_members_only() -> None:
    members = ("a", "b", "c", "d")
    assert caption_speakers(members, stage=("b",), ranking=("c", "b", "d", "a"), count=2) == ["b", "c", "d"]
    assert caption_speakers(members, stage=("gone",), ranking=("gone", "a"), count=1) == ["a"]
    assert caption_speakers(members, stage=(), ranking=(), count=2) == []


def test_partial_lines_are_sent_when_changed_at_most_twice_a_second() -> None:
    assert partial_due("good morning", "", float("-inf"), 10.0)
    assert not partial_due("good morning", "good", 9.8, 10.0)  # too soon
    assert not partial_due("good", "good", 0.0, 10.0)  # unchanged
    assert not partial_due("", "good", 0.0, 10.0)


def test_the_configured_model_is_used_only_when_it_can_be() -> None:
    assert choose_engine(None, whisper_installed=True, model_exists=True).engine == EMBEDDED
    chosen = choose_engine("/models/small.en", whisper_installed=True, model_exists=True)
    assert (chosen.engine, chosen.model, chosen.fallback_reason) == (WHISPER, "/models/small.en", None)
    missing = choose_engine("/models/small.en", whisper_installed=False, model_exists=True)
    assert missing.engine == EMBEDDED and "faster-whisper is not installed" in (missing.fallback_reason or "")
    absent = choose_engine("/models/small.en", whisper_installed=True, model_exists=False)
    assert absent.engine == EMBEDDED and "not a directory" in (absent.fallback_reason or "")


def test_media_space_keys_name_a_convening_and_its_space() -> None:
    assert parse_space_key("convening.12.space.plenary") == (12, "plenary")
    assert parse_space_key("convening.12.space.room-3") == (12, "room-3")
    assert parse_space_key("plenary") is None and parse_space_key("convening.x.space.a") is None


# ---- engine selection (faster-whisper is not installed: a stand-in module proves the wiring) ----

class _FakeWhisperModel:
    loaded: list[tuple[str, dict]] = []

    def __init__(self, model: str, **options: object) -> None:
        self.loaded.append((model, options))


def test_captions_model_selects_faster_whisper(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    module = types.ModuleType("faster_whisper")
    module.__spec__ = importlib.machinery.ModuleSpec("faster_whisper", None)
    module.WhisperModel = _FakeWhisperModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "faster_whisper", module)
    spec = select_engine(model=str(tmp_path))
    assert spec == EngineSpec(WHISPER, str(tmp_path))
    engine = factory_for(spec)()
    assert isinstance(engine, WhisperEngine) and _FakeWhisperModel.loaded[-1][0] == str(tmp_path)


def test_a_missing_package_or_model_falls_back_to_the_embedded_engine_and_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="signaling.media.captioning.engines")
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # not installed, whatever this machine has
    assert select_engine(model=str(tmp_path)) == EngineSpec(EMBEDDED)
    assert "faster-whisper is not installed" in caplog.text
    module = types.ModuleType("faster_whisper")
    module.__spec__ = importlib.machinery.ModuleSpec("faster_whisper", None)
    monkeypatch.setitem(sys.modules, "faster_whisper", module)
    assert select_engine(model=str(tmp_path / "nowhere")) == EngineSpec(EMBEDDED)
    assert "is not a directory" in caplog.text
    assert isinstance(factory_for(EngineSpec(EMBEDDED))(), PocketsphinxEngine)


# ---- the service and its worker process ------------------------------------------------

class CrashingEngine:
    """Fails once per worker process, on its third chunk of audio (an engine that breaks
    mid-call); the engine built after it captions "hello" on its fifth chunk."""

    name = "crashing"
    failures_left = 1  # per process

    def __init__(self) -> None:
        self.chunks = 0

    def accept(self, pcm: bytes, heard_at: float) -> list[Heard]:
        self.chunks += 1
        if self.chunks == 3 and CrashingEngine.failures_left:
            CrashingEngine.failures_left -= 1
            raise RuntimeError("engine blew up")
        return [Heard("hello", heard_at)] if self.chunks == 5 else []

    def partial(self) -> str:
        return ""


class SlowEngine(CrashingEngine):
    def accept(self, pcm: bytes, heard_at: float) -> list[Heard]:
        import time

        time.sleep(0.2)  # far slower than speech arrives
        return []


def broken_engine() -> CrashingEngine:
    raise OSError("model files missing")


def opus_frames(count: int) -> list[bytes]:
    """Real Opus packets (20 ms of a tone each), as a browser microphone sends."""
    import av
    import numpy as np

    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate, codec.layout, codec.format = 48000, "mono", "s16"
    packets: list[bytes] = []
    for i in range(count + 5):
        t = (np.arange(960) + i * 960) / 48000
        frame = av.AudioFrame.from_ndarray((8000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16).reshape(1, -1),
                                           format="s16", layout="mono")
        frame.sample_rate, frame.pts = 48000, i * 960
        packets += [bytes(p) for p in codec.encode(frame)]
    return packets[:count]


class Room:
    """A space with one speaker publishing a microphone, for driving the service directly."""

    def __init__(self, service: CaptionService, space_id: str = "room-1", large: bool = False) -> None:
        self.space = Space(space_id, large=large)
        self.space.add("ann")
        self.pub = Publication("ann/0", "ann", "audio", "microphone", "0", send_pli=lambda: None)
        self.peers = {"ann": types.SimpleNamespace(publications={"0": self.pub})}
        self.space.set_stage(["ann"])
        self.service = service

    def refresh(self) -> None:
        self.service.refresh(self.space, self.peers)  # type: ignore[arg-type]

    async def speak(self, packets: list[bytes], pace: float = 0.0) -> None:
        for n, payload in enumerate(packets):
            self.pub.deliver(EncodedFrame(payload, n * 960, True, 48000, 0.0))
            if pace:
                await asyncio.sleep(pace)


class Calls:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str, bool]] = []
        self.status: list[tuple[str, str, str]] = []

    def line(self, space: str, speaker: str, text: str, final: bool) -> None:
        self.lines.append((space, speaker, text, final))

    def state(self, space: str, state: str, message: str) -> None:
        self.status.append((space, state, message))


async def until(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


@pytest_asyncio.fixture
async def calls() -> AsyncIterator[Calls]:
    yield Calls()


@pytest.mark.asyncio
async def test_a_space_nobody_captions_costs_nothing(calls: Calls) -> None:
    service = CaptionService(calls.line, calls.state)
    room = Room(service)  # a room: off until a moderator turns it on
    room.refresh()
    assert room.pub.caption is None and service.worker_pid is None
    await room.speak(opus_frames(10))
    assert service.offered == service.dropped == 0
    await service.close()


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_a_failing_engine_is_restarted_and_says_so(calls: Calls, caplog: pytest.LogCaptureFixture) -> None:
    service = CaptionService(calls.line, calls.state, engine=EngineSpec(f"{HERE}:CrashingEngine"))
    room = Room(service)
    service.set_space("room-1", True)
    room.refresh()
    assert room.pub.caption is not None
    await asyncio.wait_for(service.ready.wait(), 20)
    await room.speak(opus_frames(10), pace=0.02)
    await until(lambda: calls.lines)
    assert calls.status[0][:2] == ("room-1", "restarted") and "engine blew up" in calls.status[0][2]
    assert calls.lines == [("room-1", "ann", "hello", True)]  # the rebuilt engine captions again
    assert "engine blew up" in caplog.text

    # The worker process dies: it is started again, and the space is told.
    os.kill(service.worker_pid, signal.SIGKILL)  # type: ignore[arg-type]
    await until(lambda: len(calls.status) == 2 and service.ready.is_set())
    assert calls.status[1][:2] == ("room-1", "restarted") and "exited with code -9" in calls.status[1][2]
    calls.lines.clear()
    await room.speak(opus_frames(10), pace=0.02)
    await until(lambda: calls.lines)  # captions again, from the new worker
    await service.close()


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_an_engine_that_cannot_start_stops_captions_and_says_why(calls: Calls) -> None:
    service = CaptionService(calls.line, calls.state, engine=EngineSpec(f"{HERE}:broken_engine"), large_spaces=True)
    room = Room(service, "plenary", large=True)  # the plenary: captioned by default
    room.refresh()
    await until(lambda: calls.status)
    assert calls.status == [("plenary", "failed", "the caption engine "
                             f"{HERE}:broken_engine cannot start (OSError: model files missing)")]
    assert room.pub.caption is None  # forwarding no longer copies anything
    await service.close()


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_a_full_queue_drops_and_counts_instead_of_waiting(calls: Calls) -> None:
    service = CaptionService(calls.line, calls.state, engine=EngineSpec(f"{HERE}:SlowEngine"), queue_frames=10)
    room = Room(service)
    service.set_space("room-1", True)
    room.refresh()
    await asyncio.wait_for(service.ready.wait(), 20)
    await room.speak(opus_frames(200))  # 4 s of audio at once: far more than the engine keeps up with
    assert service.offered + service.dropped == 200
    assert service.dropped >= 150
    service.set_space("room-1", False)  # a moderator turns it off: the tap goes
    room.refresh()
    assert room.pub.caption is None and service.voices() == {}
    await service.close()


# ---- the embedded engine needs no download ---------------------------------------------

NO_NETWORK_RUN = """
import av, numpy as np
from signaling.media.captioning.engines import PocketsphinxEngine
from signaling.media.captioning.speech import SCRIPT, espeak_pcm
said = np.frombuffer(espeak_pcm(SCRIPT[1]), dtype=np.int16).reshape(1, -1)
frame = av.AudioFrame.from_ndarray(said, format="s16", layout="mono")
frame.sample_rate = 48000
to16k = av.AudioResampler(format="s16", layout="mono", rate=16000)
pcm = b"".join(f.to_ndarray().tobytes() for f in to16k.resample(frame) + to16k.resample(None))
engine = PocketsphinxEngine()
print(" ".join(line.text for line in engine.accept(bytes(16000) + pcm + bytes(64000), 0.0)))
"""


def test_the_embedded_engine_recognizes_speech_with_no_network_at_all() -> None:
    """In a network namespace of its own (no interface but a down loopback): a model that had
    to be fetched, or anything phoning home, fails here."""
    import subprocess

    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(["unshare", "--net", sys.executable, "-c", NO_NETWORK_RUN], cwd=root,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(), "the engine loaded its model but heard no words"  # its quality: test_captions.py


def test_caption_lines_go_to_the_sink_the_settings_name(caplog: pytest.LogCaptureFixture) -> None:
    """The media core imports no Convene app: CAPTION_SINK plugs the convening's captions in;
    without one, lines are dropped with one warning instead of failing the media server."""
    from django.conf import settings

    from signaling.consumers import automatic_captions
    from signaling.media.hub import caption_sink

    assert caption_sink(settings.CAPTION_SINK) is automatic_captions
    dropped = caption_sink("")
    dropped.warned = False
    with caplog.at_level(logging.WARNING, logger="signaling.media.hub"):
        for _ in range(3):
            dropped.on_line("convening-1-plenary", "m1", "hello", True)
    assert [r.getMessage() for r in caplog.records].count(
        "automatic captions: no CAPTION_SINK is set, lines are dropped") == 1
