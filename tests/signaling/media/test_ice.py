"""Host candidate restriction (aioice gathers on every interface otherwise)."""

from __future__ import annotations

from collections.abc import Iterator

import aioice.ice
import pytest

from signaling.media.ice import current_host_addresses, restrict_host_addresses


@pytest.fixture(autouse=True)
def restore() -> Iterator[None]:
    yield
    restrict_host_addresses(["127.0.0.1"])


def test_restricts_to_configured_addresses_by_family() -> None:
    restrict_host_addresses(["127.0.0.1", "::1"])
    assert current_host_addresses() == ["127.0.0.1", "::1"]
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
    assert aioice.ice.get_host_addresses(use_ipv4=False, use_ipv6=True) == ["::1"]


def test_default_is_loopback_and_none_restores_aioice() -> None:
    restrict_host_addresses()
    assert current_host_addresses() == ["127.0.0.1"]
    restrict_host_addresses(None)
    assert "127.0.0.1" not in current_host_addresses()  # aioice's own rule skips loopback


def test_rejects_non_addresses() -> None:
    with pytest.raises(ValueError):
        restrict_host_addresses(["not-an-ip"])
