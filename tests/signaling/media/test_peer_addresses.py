"""The media server sends ICE checks (STUN) only to addresses it may reach.

A remote candidate is an address the server will send STUN binding requests to. On the
host network a client naming 10.x or 127.0.0.1:<port> would make the media server probe
the district's internal network, so only public addresses (and configured networks) are
probed, and names are never resolved.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import AsyncIterator, Iterator

import aioice.ice
import pytest
import pytest_asyncio
from aiortc import RTCConfiguration, RTCPeerConnection
from hypothesis import given
from hypothesis import strategies as st

from signaling.media import MediaServer, SignalOut
from signaling.media.ice import (
    LOOPBACK_PEER_NETWORKS,
    NEVER_PEERS,
    NON_PUBLIC_NETWORKS,
    PeerCandidates,
    parse_networks,
    peer_address_allowed,
)
from signaling.media.sdp_guard import drop_candidates

from .stun_trap import StunTrap, candidate, with_candidates, without_candidates
from .synthetic import PatternVideoTrack

# The ranges the issue names: never probed unless configured.
PRIVATE = parse_networks([
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
    "fc00::/7", "fe80::/10", "127.0.0.0/8", "::1/128",
])
NEVER = parse_networks(["224.0.0.0/4", "ff00::/8", "0.0.0.0/8", "::/128", "255.255.255.255/32"])
LOOPBACK = parse_networks(LOOPBACK_PEER_NETWORKS)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
ipv4 = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address)
ipv6 = st.integers(0, 2**128 - 1).map(ipaddress.IPv6Address)
addresses = st.one_of(ipv4, ipv6)
networks = st.sampled_from(PRIVATE + NEVER)


def in_network(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> st.SearchStrategy[str]:
    return st.integers(0, network.num_addresses - 1).map(lambda i: str(network[i]))


# ---- the decision ----------------------------------------------------------------------

@given(addresses)
def test_by_default_only_public_unicast_addresses_are_probed(address: Address) -> None:
    if peer_address_allowed(str(address)):
        assert address.is_global and not address.is_multicast
        assert not any(address in n for n in PRIVATE + NEVER)


@given(networks.flatmap(in_network))
def test_private_loopback_link_local_multicast_and_unspecified_are_refused(host: str) -> None:
    assert not peer_address_allowed(host)
    mapped = ipaddress.ip_address(host)
    if mapped.version == 4:  # the same address, IPv4-mapped, is no way around it
        assert not peer_address_allowed(f"::ffff:{host}")


@given(st.sampled_from(PRIVATE).flatmap(in_network))
def test_configured_networks_are_probed(host: str) -> None:
    network = next(n for n in PRIVATE if ipaddress.ip_address(host) in n)
    assert peer_address_allowed(host, [network])


@given(st.sampled_from(NEVER).flatmap(in_network), st.lists(networks, max_size=3))
def test_multicast_broadcast_and_unspecified_are_never_peers(host: str, allowed: list) -> None:
    assert not peer_address_allowed(host, [*allowed, *parse_networks(["0.0.0.0/0", "::/0"])])


@given(st.from_regex(r"[a-zA-Z0-9-]{1,63}\.local", fullmatch=True) | st.text(max_size=80))
def test_names_are_never_probed(host: str) -> None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        assert not peer_address_allowed(host, [*LOOPBACK, *parse_networks(["0.0.0.0/0", "::/0"])])


def test_examples() -> None:
    assert peer_address_allowed("8.8.8.8") and peer_address_allowed("2606:4700::1111")
    assert not peer_address_allowed("127.0.0.1") and peer_address_allowed("127.0.0.1", LOOPBACK)
    assert not peer_address_allowed("10.1.2.3", LOOPBACK)
    assert not peer_address_allowed("100.100.0.1") and not peer_address_allowed("fd00::1")
    assert not peer_address_allowed("224.0.0.251") and not peer_address_allowed("ff02::fb")
    assert not peer_address_allowed("ab12cd34-0000-4000-8000-123456789abc.local")
    assert not peer_address_allowed("intranet.district.example")
    assert NON_PUBLIC_NETWORKS and NEVER_PEERS  # spelled out, not left to is_global alone


def test_bad_networks_are_named() -> None:
    with pytest.raises(ValueError, match="'10.0.0.0/33'"):
        parse_networks(["127.0.0.0/8", "10.0.0.0/33"])


# ---- SDP and logging -----------------------------------------------------------------

# Refused: a private host, a srflx in a documentation range (not global either), an mDNS name.
SDP = ("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
       "a=candidate:1 1 udp 2130706431 10.0.0.7 50000 typ host\r\n"
       "a=candidate:2 1 udp 1694498815 203.0.113.9 50001 typ srflx raddr 10.0.0.7 rport 50000\r\n"
       "a=candidate:3 1 udp 2130706431 0f2d.local 50002 typ host\r\n"
       "a=candidate:4 1 udp 1694498815 8.8.4.4 50003 typ srflx raddr 0.0.0.0 rport 0\r\n"
       "a=end-of-candidates\r\n")


def test_refused_candidate_lines_are_cut_and_the_rest_is_untouched() -> None:
    kept = drop_candidates(SDP, peer_address_allowed)
    assert kept == SDP.replace("a=candidate:1 1 udp 2130706431 10.0.0.7 50000 typ host\r\n", "").replace(
        "a=candidate:2 1 udp 1694498815 203.0.113.9 50001 typ srflx raddr 10.0.0.7 rport 50000\r\n", "").replace(
        "a=candidate:3 1 udp 2130706431 0f2d.local 50002 typ host\r\n", "")
    assert drop_candidates(SDP, lambda host: True) is SDP


def test_a_refusal_is_logged_once_per_connection(caplog: pytest.LogCaptureFixture) -> None:
    candidates = PeerCandidates("7:abc", ())
    with caplog.at_level(logging.INFO, logger="signaling.media.ice"):
        drop_candidates(SDP * 50, candidates.allows)
        assert not candidates.allows("x" * 1000 + ".local")
    assert candidates.dropped == 151
    [record] = caplog.records
    assert "7:abc" in record.getMessage() and "10.0.0.7" in record.getMessage()
    assert len(record.getMessage()) < 200


# ---- a real peer connection: does the server send STUN there? ---------------------------

@pytest_asyncio.fixture
async def traps() -> AsyncIterator[dict[str, StunTrap]]:
    """One trap on 127.0.0.1 (the loopback service a client names) and a control on
    127.0.0.2, which the tests always allow: once it is probed, the server is checking."""
    made = {"loopback": await StunTrap.open("127.0.0.1"), "control": await StunTrap.open("127.0.0.2")}
    yield made
    for trap in made.values():
        trap.close()


@pytest_asyncio.fixture
async def client() -> AsyncIterator[RTCPeerConnection]:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    yield pc
    await pc.close()


async def ignore(signal: SignalOut) -> None:
    pass


def candidate_lines(traps: dict[str, StunTrap]) -> list[str]:
    # The loopback trap has the higher priority: were it allowed, it would be checked first.
    return [candidate(1, "127.0.0.1", traps["loopback"].port, 2130706431),
            candidate(2, "127.0.0.2", traps["control"].port, 1694498815)]


async def offer_without_candidates(client: RTCPeerConnection) -> str:
    client.addTransceiver(PatternVideoTrack(5), direction="sendonly")
    await client.setLocalDescription(await client.createOffer())
    return without_candidates(client.localDescription.sdp)


async def probed(traps: dict[str, StunTrap], loopback_allowed: bool, via: str, client: RTCPeerConnection) -> int:
    allowed = ["127.0.0.0/8"] if loopback_allowed else ["127.0.0.2/32"]
    server = MediaServer(host_addresses=["127.0.0.1"], peer_networks=allowed)
    try:
        await server.join("X", "room", ignore)
        sdp = await offer_without_candidates(client)
        lines = candidate_lines(traps)
        await server.handle_offer("X", with_candidates(sdp, lines) if via == "sdp" else sdp)
        if via == "trickle":
            for line in lines:
                await server.add_ice_candidate("X", {"candidate": line, "sdpMid": "0"})
        await asyncio.wait_for(traps["control"].hit.wait(), timeout=10)
        await asyncio.sleep(0.5)  # retransmissions, and any later pair
        return traps["loopback"].requests
    finally:
        await server.close()


@pytest.mark.asyncio
@pytest.mark.timeout(30)
@pytest.mark.parametrize("via", ["sdp", "trickle"])
async def test_no_stun_to_a_loopback_port_a_client_names(traps, client, via: str) -> None:
    assert await probed(traps, loopback_allowed=False, via=via, client=client) == 0


@pytest.mark.asyncio
@pytest.mark.timeout(30)
@pytest.mark.parametrize("via", ["sdp", "trickle"])
async def test_stun_reaches_it_where_loopback_is_allowed(traps, client, via: str) -> None:
    assert await probed(traps, loopback_allowed=True, via=via, client=client) > 0


MDNS_CANDIDATE = "candidate:1 1 udp 2130706431 0f2d4a61-3e2b-4c55-9b7c-6a1f1c1b2d3e.local 50000 typ host"


@pytest.fixture
def mdns_lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    calls: list[object] = []
    original = aioice.ice.get_or_create_mdns_protocol

    async def spy(subscriber: object):  # type: ignore[no-untyped-def]
        calls.append(subscriber)
        return await original(subscriber)

    monkeypatch.setattr(aioice.ice, "get_or_create_mdns_protocol", spy)
    yield calls


@pytest.mark.asyncio
@pytest.mark.timeout(30)
async def test_an_mdns_candidate_is_not_resolved(client, mdns_lookups: list[object]) -> None:
    server = MediaServer(host_addresses=["127.0.0.1"])  # loopback allowed, as in tests and demo
    try:
        await server.join("X", "room", ignore)
        await server.handle_offer("X", await offer_without_candidates(client))
        await server.add_ice_candidate("X", {"candidate": MDNS_CANDIDATE, "sdpMid": "0"})
        await asyncio.sleep(0.2)
        assert mdns_lookups == []
        assert server.peer("X").candidates.dropped == 1
    finally:
        await server.close()
