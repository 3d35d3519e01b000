"""The control tower over the real websocket and real aiortc peers: the media tests' daphne
site and synthetic participants (tests/signaling/media/workers/conftest.py), shared here."""
from tests.signaling.media.workers.conftest import media_site, people  # noqa: F401 — fixtures
