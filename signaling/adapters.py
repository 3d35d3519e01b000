"""The adapters to other libraries' private internals: which they are, and whether they still fit.

Three parts of Convene reach past the public API of the libraries under them:

* **media** — the forwarding media server taps aiortc's receivers and senders, sends RTP
  itself through aioice and pylibsrtp (``signaling.media.passthrough``, ``.sendpath``,
  ``.wire``). If it no longer fits, media is *unavailable*: joining media answers the
  ``media_unavailable`` error, while chat, hands, breakouts and every page go on.
* **direct writes** — ``signaling.consumers.direct_write`` writes websocket frames straight to
  daphne's Twisted transport through autobahn. If it no longer fits, frames go through the
  ordinary ASGI ``send`` (slower, same behaviour).
* **redis receiving** — ``signaling.redis_layer`` reads this process's channels from Redis in
  one task of its own, so a cancelled receive loses nothing. If it no longer fits, receiving
  is channels_redis's own (which can, rarely, lose a message when a connection closes).

Each adapter module declares ``PRIVATE_NAMES``: a tuple of ``(owner, names)`` — a function of
the other library whose code must still use these private names (``co_names``), or a class
that must still have these attributes; the owner itself or its name, ``"module:Class.attr"``. ``ADAPTERS`` below says which modules form each adapter
and the exact versions they were read against (a new version may change what the names
mean, so it is a mismatch too). ``problems`` checks one adapter; ``usable`` checks it once per
process and, on a mismatch, logs once and says so, so the caller falls back.

``CONVENE_ADAPTER_PINS=ignore`` checks the names only: ``make adapters-latest`` sets it to see
whether the newest releases still fit before anyone moves the pins.

Nothing here imports Convene: the adapter modules are imported by name, late, and an import
that fails is one of the problems reported.
"""
from __future__ import annotations

import functools
import importlib
import logging
import os
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

logger = logging.getLogger("convene.adapters")


@dataclass(frozen=True)
class Adapter:
    name: str
    modules: tuple[str, ...]  # each declares PRIVATE_NAMES
    pins: tuple[tuple[str, str], ...]  # (distribution, the version the modules were read against)
    fallback: str  # what Convene does instead, for the log


MEDIA = Adapter(
    name="media",
    modules=("signaling.media.passthrough", "signaling.media.sendpath", "signaling.media.wire"),
    pins=(("aiortc", "1.16.0"), ("aioice", "0.13.0"), ("pylibsrtp", "1.0.0")),
    fallback="media is unavailable (clients are told media_unavailable); chat and pages go on",
)
DIRECT_WRITES = Adapter(
    name="direct writes",
    modules=("signaling.consumers.direct_write",),
    pins=(("daphne", "4.2.3"), ("autobahn", "26.10.2"), ("twisted", "26.10.0"), ("channels", "4.3.2")),
    fallback="websocket frames go through the ordinary ASGI send",
)
REDIS_RECEIVE = Adapter(
    name="redis receiving",
    modules=("signaling.redis_layer",),
    pins=(("channels-redis", "4.3.0"), ("redis", "5.3.1")),
    fallback="channels_redis receives as it ships (a connection closing can, rarely, lose another's message)",
)
ADAPTERS: tuple[Adapter, ...] = (MEDIA, DIRECT_WRITES, REDIS_RECEIVE)


def pins_checked() -> bool:
    return os.environ.get("CONVENE_ADAPTER_PINS", "check") != "ignore"


def problems(adapter: Adapter) -> list[str]:
    """Everything about ``adapter`` that no longer fits the installed libraries (empty: it fits)."""
    found: list[str] = []
    if pins_checked():
        for distribution, pinned in adapter.pins:
            installed = _installed(distribution)
            if installed != pinned:
                found.append(f"{distribution} {installed or 'missing'} is installed; read against {pinned}")
    for module_name in adapter.modules:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # noqa: BLE001 — any import failure is a mismatch to report
            found.append(f"{module_name} does not import: {exc!r}")
            continue
        for owner, names in getattr(module, "PRIVATE_NAMES", ()):
            try:
                missing = missing_names(resolve(owner), names)
            except Exception as exc:  # noqa: BLE001 — a module or attribute that is gone
                found.append(f"{owner} is gone: {exc!r} ({module_name})")
                continue
            if missing:
                found.append(f"{_describe(owner)} no longer has {', '.join(missing)} ({module_name})")
    return found


def resolve(owner: object) -> object:
    """An owner given by name, ``"package.module:Class.attribute"``, or the object itself."""
    if not isinstance(owner, str):
        return owner
    module_name, _, path = owner.partition(":")
    found: object = importlib.import_module(module_name)
    for part in path.split("."):
        found = getattr(found, part)
    return found


def missing_names(owner: object, names: tuple[str, ...]) -> list[str]:
    """The ``names`` a function's code no longer uses, or that a class (or a tuple of
    names, such as a library's list of options) no longer has."""
    code = getattr(owner, "__code__", None)
    if code is not None:
        return sorted(set(names) - set(code.co_names))
    if isinstance(owner, tuple | list | frozenset | set):
        return sorted(set(names) - set(owner))
    return sorted(name for name in names if not hasattr(owner, name))


@functools.cache
def usable(adapter: Adapter) -> bool:
    """Whether ``adapter`` fits, decided once per process; a mismatch is logged once, here."""
    found = problems(adapter)
    if found:
        logger.error("the %s adapter does not fit the installed libraries, so %s: %s. "
                     "Re-read the internals it uses (signaling/adapters.py), then update them and the pins.",
                     adapter.name, adapter.fallback, "; ".join(found))
    return not found


def _installed(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _describe(owner: object) -> str:
    if isinstance(owner, str):
        return owner
    module = getattr(owner, "__module__", "?")
    return f"{module}.{getattr(owner, '__qualname__', repr(owner))}"
