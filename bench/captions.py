"""Benchmark: automatic captions with the embedded engine (issue 19 item 2). Not a test.

A presenter (a real aiortc peer) publishes espeak-ng's reading of a known script as their
microphone through a real MediaServer to a listener in the plenary; the server's caption
worker (its own process: Opus → 16 kHz PCM → pocketsphinx) transcribes it. Measured:

* caption delay: the end of each spoken sentence (its last audio handed to the presenter's
  sender) → the final caption line leaving the caption service (``on_line``; the database
  write and websocket hop to a participant's screen add a few milliseconds more on a local
  server). p50 / p95 over every sentence of every round.
* WER: word error rate of all final lines against the script (signaling.media.captioning.wer).
* CPU: the caption worker's CPU seconds per second of audio it decoded and transcribed, i.e.
  the cores one captioned voice costs (one captioned space with one speaker); the media
  server's share (copying payloads into the queue) is negligible and not counted.

    .venv/bin/python bench/captions.py [--rounds 2] [--recording-subscribers 50] [--skip-captions]

Last stdout line: JSON with caption_delay_p50_s, caption_delay_p95_s, wer, captions_cpu_cores,
recording_overhead_pct, and the details. recording_overhead_pct is what recording costs the
forwarding path: bench/media_forwarding.py's server at a fixed load (``--recording-subscribers``
subscribers of one 640x360 VP8 publisher), consumers per core with the room recorded vs not, in
the same run, alternating ``--recording-rounds`` times, medians compared (target < 5). ``--skip-captions`` measures only that (no espeak-ng needed).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import media_forwarding  # noqa: E402
from signaling.media import MediaServer  # noqa: E402
from signaling.media.captioning import CaptionService, word_error_rate  # noqa: E402
from signaling.media.captioning.speech import SCRIPT, SpeechTrack  # noqa: E402
from signaling.media.ice import restrict_host_addresses  # noqa: E402
from tests.signaling.media.synthetic import DirectTransport, SyntheticParticipant  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def run(rounds: int) -> dict[str, object]:
    restrict_host_addresses(["127.0.0.1"])
    finals: list[tuple[float, str]] = []
    partials = 0

    async def on_line(space: str, speaker: str, text: str, final: bool) -> None:
        nonlocal partials
        if final:
            finals.append((time.perf_counter(), text))
        else:
            partials += 1

    captions = CaptionService(on_line)
    server = MediaServer(host_addresses=["127.0.0.1"], captions=captions)
    transport = DirectTransport(server)
    script = SCRIPT * rounds
    speech = SpeechTrack(script)
    presenter = SyntheticParticipant("presenter", transport, decode=False)
    presenter.publish("microphone", speech)
    listener = SyntheticParticipant("listener", transport, decode=False)
    await server.set_stage("plenary", ["presenter"])
    started = time.perf_counter()
    await listener.join("plenary")
    await asyncio.wait_for(captions.ready.wait(), 30)
    engine_ready_s = time.perf_counter() - started
    before = await captions.worker_stats()
    await presenter.join("plenary")
    async with asyncio.timeout(speech.duration + 30):
        while speech.ended_at[-1] is None or time.perf_counter() < speech.ended_at[-1] + 4:
            await asyncio.sleep(0.1)
    after = await captions.worker_stats()
    dropped = captions.dropped
    await presenter.close()
    await listener.close()
    await server.close()

    delays = []
    for at, _ in finals:
        spoken = [end for end in speech.ended_at if end is not None and end <= at]
        if spoken:
            delays.append(at - max(spoken))
    heard = " ".join(text for _, text in finals)
    cpu = after["cpu_seconds"] - before["cpu_seconds"]
    audio = after["audio_seconds"] - before["audio_seconds"]
    return {
        "caption_delay_p50_s": round(statistics.median(delays), 3) if delays else None,
        "caption_delay_p95_s": round(percentile(delays, 0.95), 3) if delays else None,
        "wer": round(word_error_rate(" ".join(script), heard), 3),
        "captions_cpu_cores": round(cpu / audio, 3) if audio else None,
        "recording_overhead_pct": None,  # measured by recording_overhead() below
        "engine": captions.spec.name,
        "engine_ready_s": round(engine_ready_s, 2),
        "sentences": len(script),
        "final_lines": len(finals),
        "partial_lines": partials,
        "audio_seconds": round(audio, 1),
        "worker_cpu_seconds": round(cpu, 2),
        "dropped_frames": dropped,
        "delays_s": [round(d, 2) for d in delays],
        "lines": [text for _, text in finals],
        "heard": heard,
    }


async def recording_overhead(subscribers: int, seconds: float, rounds: int) -> dict[str, object]:
    """The forwarding server at one fixed load, without then with the room recorded, alternating
    ``rounds`` times (a shared box starves a run now and then: a step whose publisher fell below
    80% of its frame rate is void, and the medians of the sustained runs compare)."""
    restrict_host_addresses(["127.0.0.1"])
    args = argparse.Namespace(publishers=1, seconds=seconds, profile=False, verbose=False, moves=0)
    per_core: dict[str, list[float]] = {"forward": [], "record": []}
    cpu: dict[str, list[float]] = {"forward": [], "record": []}
    for _ in range(rounds):
        for mode in ("forward", "record"):
            best = (await media_forwarding.ramp(mode, args, subscribers, subscribers))["best"]
            if best is not None:
                per_core[mode].append(media_forwarding.per_core(best))
                cpu[mode].append(best["server_cpu"])
    without = statistics.median(per_core["forward"]) if per_core["forward"] else 0.0
    with_recording = statistics.median(per_core["record"]) if per_core["record"] else 0.0
    return {
        "recording_overhead_pct": media_forwarding.recording_overhead_pct(without, with_recording)
        if with_recording else None,
        "consumers_per_core_without_recording": [round(v, 1) for v in per_core["forward"]],
        "consumers_per_core_recording": [round(v, 1) for v in per_core["record"]],
        "recording_server_cpu": {mode: [round(v, 4) for v in values] for mode, values in cpu.items()},
        "recording_subscribers": subscribers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="times the script is spoken")
    parser.add_argument("--recording-subscribers", type=int, default=50)
    parser.add_argument("--recording-seconds", type=float, default=4.0)
    parser.add_argument("--recording-rounds", type=int, default=3, help="alternating runs without/with recording")
    parser.add_argument("--skip-captions", action="store_true", help="only recording_overhead_pct")
    args = parser.parse_args()
    if args.skip_captions:
        result: dict[str, object] = {"caption_delay_p50_s": None, "caption_delay_p95_s": None, "wer": None,
                                     "captions_cpu_cores": None, "heard": "", "delays_s": [], "lines": []}
    else:
        result = asyncio.run(run(args.rounds))
    result.update(asyncio.run(recording_overhead(args.recording_subscribers, args.recording_seconds,
                                                  args.recording_rounds)))
    heard = result.pop("heard")
    print(f"heard: {heard}")
    for delay, line in zip(result.pop("delays_s"), result.pop("lines")):  # type: ignore[call-overload]
        print(f"  {delay:5.2f} s  {line}")
    for key, value in result.items():
        print(f"{key}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
