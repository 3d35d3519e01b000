"""Restrict the host addresses aioice gathers ICE candidates on.

aioice (used by aiortc) offers a host candidate for *every* interface address
(and skips 127.0.0.1). A media server must only advertise the addresses it is
reachable on -- and tests/demos must stay on loopback -- but neither aiortc
nor aioice exposes a per-connection option. aioice looks the function up as a
module global (``aioice.ice.get_host_addresses``) each time it gathers, so
replacing it there is the single, process-wide switch. This module is the only
place that touches it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

import aioice.ice

DEFAULT_HOST_ADDRESSES: tuple[str, ...] = ("127.0.0.1",)

_ORIGINAL: Callable[[bool, bool], list[str]] = aioice.ice.get_host_addresses


def restrict_host_addresses(addresses: Sequence[str] | None = DEFAULT_HOST_ADDRESSES) -> None:
    """Gather host candidates only on ``addresses`` (``None`` restores aioice's default).

    Process-wide: every RTCPeerConnection created afterwards is affected.
    """
    if addresses is None:
        aioice.ice.get_host_addresses = _ORIGINAL
        return
    parsed = [ipaddress.ip_address(a) for a in addresses]  # ValueError on junk

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [
            str(a)
            for a in parsed
            if (a.version == 4 and use_ipv4) or (a.version == 6 and use_ipv6)
        ]

    aioice.ice.get_host_addresses = get_host_addresses


def current_host_addresses() -> list[str]:
    """What aioice would gather on right now (IPv4 and IPv6)."""
    return aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True)
