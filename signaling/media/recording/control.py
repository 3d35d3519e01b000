"""The media server that hosts a space records it: the glue the ``recording.*`` handler uses.

In the web process's own media server, or (``MEDIA_WORKERS``) in the media worker that hosts
the space, through relay.py; the worker writes the files, so ``folder`` must be on storage the
web process (which renders) sees too (docs/recordings.md). The convening's side (the row, the
notices) stays with the caller: it hands ``on_fault`` in (a media worker calls the one its
command installed), so the media server imports none of Convene's apps."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .service import OnFault, start


@dataclass(frozen=True)
class Stopped:
    """What a stopped recording reports: its gaps (publication, from, to) and dropped frames."""

    gaps: list[tuple[str, float, float]] = field(default_factory=list)
    dropped: int = 0


async def start_space(key: str, folder: Path, on_fault: OnFault) -> None:
    from ..hub import get_hub
    from ..relay import workers_enabled
    from ..relay_spaces import record_start

    if workers_enabled():
        await record_start(key, str(folder))
        return
    await start(get_hub().server, key, folder, on_fault)


async def stop_space(key: str) -> Stopped | None:
    """Once the files are closed (None: the space was not recording)."""
    from ..hub import current_hub
    from ..relay import workers_enabled
    from ..relay_spaces import record_stop

    if workers_enabled():
        result = await record_stop(key)
        if result is None:
            return None
        return Stopped([(str(p), float(a), float(b)) for p, a, b in result["gaps"]], int(result["dropped"]))
    hub = current_hub()
    recorder = None if hub is None else hub.server.recording
    live = None if recorder is None else await recorder.stop(key)
    return None if live is None else Stopped(list(live.gaps), live.dropped)


async def recording_now(key: str) -> bool | None:
    """Whether the media server hosting ``key`` records it now; None: this process cannot tell
    (media workers). A row saying "recording" while its server does not is left from a restart."""
    from ..hub import current_hub
    from ..relay import workers_enabled

    if workers_enabled():
        return None
    hub = current_hub()
    recorder = None if hub is None else hub.server.recording
    return recorder is not None and recorder.recording(key)
