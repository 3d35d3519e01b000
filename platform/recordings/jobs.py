"""The recordings' background work, from the worker tick (signaling/worker.py): render stopped
recordings, one at a time, and delete recordings older than ``RECORDING_RETENTION_DAYS``.

A round runs on a thread of its own, never awaited by the tick. Rendering itself runs in a
separate process (decoding and encoding hold the CPU for minutes: never next to the live
forwarding loop, and a render that crashes takes only itself down); the thread waits for it and
copies its progress into the row the organizer's page shows.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import logging
import multiprocessing
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import close_old_connections
from django.utils import timezone

from recordings import actions
from recordings.models import Recording, State
from recordings.storage import recording_storage
from signaling.media.recording import render as renderer
from signaling.media.recording.timeline import FILE as TIMELINE

logger = logging.getLogger(__name__)
ROUND_S = 5.0
PROGRESS_FILE = "progress"
_state: dict[str, object] = {"round": None, "next": 0.0}


def start_round() -> asyncio.Future[None] | None:
    """From the worker tick: a round unless one is running or the last began < ROUND_S ago."""
    loop = asyncio.get_running_loop()
    running = _state["round"]
    if isinstance(running, asyncio.Future) and not running.done() and running.get_loop() is loop:
        return None
    if loop.time() < float(_state["next"]):  # type: ignore[arg-type]
        return None
    _state["next"] = loop.time() + ROUND_S
    future = loop.run_in_executor(None, run_round)
    _state["round"] = future
    return future


def run_round() -> None:
    close_old_connections()
    try:
        purge_expired()
        while render_next() is not None:
            pass
    except Exception:  # noqa: BLE001 — the next round tries again
        logger.exception("recordings round failed")
    finally:
        close_old_connections()


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete recordings (file, raw packets, row) that stopped more than the retention ago."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=int(settings.RECORDING_RETENTION_DAYS))
    expired = Recording.objects.filter(stopped_at__lt=cutoff).exclude(state__in=[State.RECORDING, State.RENDERING])
    count = 0
    for recording in expired:
        if recording.file:
            recording_storage().delete(recording.file)
        shutil.rmtree(recording.folder, ignore_errors=True)
        recording.delete()
        count += 1
    if count:
        logger.info("recordings: %d past their retention deleted", count)
    return count


def render_next() -> Recording | None:
    """Claim the oldest stopped recording and render it; None when none waits."""
    for recording in Recording.objects.filter(state=State.STOPPED).order_by("stopped_at", "id")[:5]:
        # Claimed by whoever flips the state first (several workers share the table).
        if Recording.objects.filter(pk=recording.pk, state=State.STOPPED).update(state=State.RENDERING, progress=0):
            render_one(recording)
            return recording
    return None


def render_one(recording: Recording) -> None:
    folder = Path(recording.folder)
    cues = [renderer.Cue(*cue) for cue in actions.cues(recording)]
    try:
        with tempfile.TemporaryDirectory(prefix="convene-render-") as tmp:
            out = Path(tmp) / "stage.webm"
            if not (folder / TIMELINE).exists():
                raise FileNotFoundError("nothing was recorded (no timeline)")
            result = _render_in_process(recording.pk, folder, out, cues)
            name = f"{recording.convening.slug}/{recording.pk}-{recording.space}.webm"
            with open(out, "rb") as handle:
                name = recording_storage().save(name, File(handle))
            size = out.stat().st_size
    except Exception as exc:  # noqa: BLE001 — the organizer sees it failed, and why
        logger.exception("recording %s could not be rendered", recording.pk)
        Recording.objects.filter(pk=recording.pk).update(state=State.FAILED, error=str(exc)[:500])
        return
    Recording.objects.filter(pk=recording.pk).update(state=State.READY, file=name, size=size, progress=1.0,
                                                     duration_s=result.duration)
    shutil.rmtree(folder, ignore_errors=True)


def _render_in_process(pk: int, folder: Path, out: Path, cues: list[renderer.Cue]) -> renderer.Rendered:
    progress = out.parent / PROGRESS_FILE
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        size = tuple(getattr(settings, "RECORDING_RENDER_SIZE", renderer.SIZE))
        job = pool.submit(renderer.render_job, folder, out, cues, progress, size)  # no Django over there
        shown = 0.0
        while True:
            try:
                return job.result(timeout=0.5)
            except concurrent.futures.TimeoutError:
                pass
            done = _read_progress(progress)
            if done >= shown + 0.02:
                shown = done
                Recording.objects.filter(pk=pk).update(progress=min(done, 0.99))


def _read_progress(path: Path) -> float:
    try:
        return float(path.read_text() or 0)
    except (OSError, ValueError):
        return 0.0


def wait_for_renders(timeout: float = 120.0) -> None:
    """For tests and ``manage.py``: render everything stopped, now, on this thread."""
    deadline = time.monotonic() + timeout
    while render_next() is not None and time.monotonic() < deadline:
        pass
