"""Which addresses ICE uses on the media server: the host addresses aioice gathers
candidates on, and the remote candidate addresses it may send STUN to.

Host candidates: aioice (used by aiortc) offers a host candidate for *every* interface address
(and skips 127.0.0.1). A media server must only advertise the addresses it is
reachable on -- and tests/demos must stay on loopback -- but neither aiortc
nor aioice exposes a per-connection option. aioice looks the function up as a
module global (``aioice.ice.get_host_addresses``) each time it gathers, so
replacing it there is the single, process-wide switch. This module is the only
place that touches it. Remote candidates: see ``peer_address_allowed``.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence

import aioice.ice

logger = logging.getLogger(__name__)

DEFAULT_HOST_ADDRESSES: tuple[str, ...] = ("127.0.0.1",)

_ORIGINAL = aioice.ice.get_host_addresses


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


# ---- remote candidates: where the media server may send STUN ------------------------------
#
# Every remote candidate a client signals (in its SDP or trickled) makes aioice send STUN
# binding requests to that address from the media server. On the host network that would let
# any participant probe the district's internal network (and the server's own loopback
# services), so candidates are filtered before aiortc sees them. Connectivity does not depend
# on them: a browser's checks reach the server's candidates, which then learns the browser's
# address from them (peer-reflexive), whatever it signalled.

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Never probed unless an operator allows them. Spelled out rather than left to
# ``ip_address.is_global`` alone, whose answers differ between Python releases.
NON_PUBLIC_NETWORKS: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",  # carrier-grade NAT (RFC 6598)
    "127.0.0.0/8", "::1/128",  # loopback
    "169.254.0.0/16", "fe80::/10",  # link-local
    "fc00::/7",  # unique-local IPv6
))
# Never a peer, whatever is allowed: sending to 0.0.0.0 reaches this host itself on Linux.
NEVER_PEERS: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "::/128",  # unspecified / "this network"
    "224.0.0.0/4", "ff00::/8",  # multicast
    "255.255.255.255/32",  # broadcast
))
# What tests and the one-process demo (``make run``) need: everything runs on 127.0.0.1.
LOOPBACK_PEER_NETWORKS: tuple[str, ...] = ("127.0.0.0/8", "::1/128")


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs (or single addresses) -> networks; ValueError names the first bad one."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"not a network: {cidr!r} ({exc})") from None
    return tuple(networks)


def peer_address_allowed(host: str, allowed: Sequence[Network] = ()) -> bool:
    """May the media server send STUN to ``host``, a remote candidate's address?

    Public unicast addresses: yes. Private, CGNAT, loopback, link-local and unique-local
    ones only inside ``allowed``; multicast, broadcast and unspecified ones never. Names
    (mDNS ``.local`` or DNS) never: resolving them would be a lookup on a client's behalf.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1 on a dual-stack socket
    if any(address in network for network in NEVER_PEERS):
        return False
    if any(address in network for network in allowed):
        return True
    return address.is_global and not any(address in network for network in NON_PUBLIC_NETWORKS)


class PeerCandidates:
    """The remote-candidate filter of one peer connection.

    A refusal is logged once per connection, not per candidate: a client controls how many
    candidates it sends, and browsers routinely offer private host addresses.
    """

    def __init__(self, participant_id: str, allowed: Sequence[Network]) -> None:
        self.participant_id = participant_id
        self.allowed = tuple(allowed)
        self.dropped = 0

    def allows(self, host: str) -> bool:
        if peer_address_allowed(host, self.allowed):
            return True
        self.dropped += 1
        if self.dropped == 1:
            logger.info(
                "ignoring ICE candidates of %s outside MEDIA_ALLOWED_PEER_NETWORKS (first: %.64r)",
                self.participant_id, host,
            )
        return False
