"""Recordings tests: the media fixtures (an in-process MediaServer, real aiortc peers) and the
convening fixtures (websocket consumers), shared with the media and plenary tests."""
from pathlib import Path

import pytest

from tests.signaling.consumers.conftest import connect, small, transactional_db  # noqa: F401 — fixtures
from tests.signaling.media.conftest import participants, server, transport  # noqa: F401 — fixtures


@pytest.fixture
def layer(settings) -> str:  # noqa: ANN001 — pytest-django's settings
    """One channel layer (the plenary tests cover the others): media tests are the slow part."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "signaling.layers.LocalChannelLayer"}}
    return "memory"


@pytest.fixture
def recordings_dir(settings, tmp_path: Path) -> Path:  # noqa: ANN001
    """Raw packets and rendered files under this test's own folder."""
    from recordings.storage import recording_storage

    settings.RECORDING_SPOOL_DIR = str(tmp_path / "raw")
    settings.RECORDING_STORAGE_URL = f"file://{tmp_path / 'store'}"
    settings.RECORDING_RENDER_SIZE = (320, 192)  # small pictures: the render is the test's slow part
    recording_storage.cache_clear()
    yield tmp_path
    recording_storage.cache_clear()
