from __future__ import annotations

import pytest

from convenings.demo import DemoSummary, seed


@pytest.fixture
def demo(db: None) -> DemoSummary:
    """The seeded demo Statewide Leadership Academy."""
    return seed()
