"""Polls over the live consumer: the plenary suite's fixtures (each test runs on the in-memory
layer and on Redis; the database is real and committed)."""
from tests.signaling.consumers.conftest import connect, layer, small, transactional_db  # noqa: F401 — fixtures
