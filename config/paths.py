"""Put the core apps in ``platform/`` on the import path.

``platform/`` is deliberately a plain folder, not a package: a package named
``platform`` would shadow Python's standard library module of that name
(``import uuid`` imports ``platform`` and then fails). Its apps are imported
by their own names (``convenings``, ``people``, ...), so the folder itself goes
on ``sys.path``. Every entry point (settings, ``manage.py``, ASGI, pytest)
calls :func:`add_platform_to_path` before Django is set up.
"""
from __future__ import annotations

import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PLATFORM_DIR = BASE_DIR / "platform"


def add_platform_to_path() -> None:
    path = str(PLATFORM_DIR)
    if path not in sys.path:
        sys.path.insert(0, path)
