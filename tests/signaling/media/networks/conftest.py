"""Real networks for media tests: a viewer in a namespace behind a shaped link (netns.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from aiortc.codecs import opus

from signaling.media import MediaServer
from tests.signaling.media.synthetic import cap_layer_bitrates

from . import netns
from .netns import Link

BROWSER_OPUS_BITRATE = 32_000  # what Chrome sends for speech; aiortc's own default is 96 kbit/s


@pytest.fixture
def link() -> Iterator[Link]:
    if not netns.available():
        pytest.skip("needs root with ip and tc (network namespaces, tbf)")
    with netns.shaped_link() as made:
        yield made


@pytest.fixture
def browser_like_audio(monkeypatch: pytest.MonkeyPatch) -> None:
    """Synthetic publishers encode Opus at a browser's bitrate, not aiortc's 96 kbit/s."""
    original = opus.OpusEncoder.__init__

    def init(self: opus.OpusEncoder) -> None:
        original(self)
        self.codec.bit_rate = BROWSER_OPUS_BITRATE

    monkeypatch.setattr(opus.OpusEncoder, "__init__", init)


@pytest.fixture
def browser_like_layers() -> Iterator[None]:
    """Synthetic simulcast layers encoded at a browser's per-layer bitrates (scene.py)."""
    undo = cap_layer_bitrates()
    yield
    undo()


@pytest_asyncio.fixture
async def server(link: Link) -> AsyncIterator[MediaServer]:
    network = link.host_ip.rsplit(".", 1)[0] + ".0/30"
    media_server = MediaServer(host_addresses=[link.host_ip], peer_networks=[network])
    yield media_server
    await media_server.close()
