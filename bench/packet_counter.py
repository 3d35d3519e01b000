"""A viewer that only counts what arrives: the cheap client of bench/plenary_workers.py.

An aiortc viewer decrypts, reorders and (even with ``decode=False``) assembles every frame in
Python, so one client process saturates at about ten plenary viewers while each media worker
serving them uses a tenth of a core. To load the workers, not the clients, each viewer here
connects as the browser does (ICE, DTLS, the offers the server sends) and then has its UDP
socket read by ``PacketCounter``: RTP headers are not encrypted (SRTP protects the payload), so
counting per SSRC by sequence number and marker bit needs no decryption. STUN (consent checks)
and DTLS still go to aioice and aiortc; SRTP and SRTCP stop here.

Reaches into aioice's ``Connection`` (``_protocols``) and aiortc's ``RTCIceTransport``
(``_connection``): bench-only, pinned with the rest of requirements.txt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCPeerConnection


@dataclass
class Stream:
    """One SSRC: packets counted, the highest extended sequence number, frames ended (marker)."""

    payload_type: int
    first: int
    highest: int
    packets: int = 0
    frames: int = 0


@dataclass
class PacketCounter:
    """What one viewer's socket received, per SSRC (media only, RTX and padding excluded)."""

    media_types: set[int]
    streams: dict[int, Stream] = field(default_factory=dict)

    def count(self, data: bytes) -> None:
        payload_type = data[1] & 0x7F
        if payload_type not in self.media_types:
            return  # RTX resends, probing padding, anything else
        ssrc = int.from_bytes(data[8:12], "big")
        seq = int.from_bytes(data[2:4], "big")
        stream = self.streams.get(ssrc)
        if stream is None:
            stream = self.streams[ssrc] = Stream(payload_type, seq, seq)
        else:  # forward of the highest (mod 2^16) extends it; behind it is a late packet
            ahead = (seq - stream.highest) & 0xFFFF
            if ahead < 0x8000:
                stream.highest += ahead
        stream.packets += 1
        stream.frames += data[1] >> 7

    def totals(self, kinds: dict[int, str]) -> dict[str, int]:
        """Per kind: streams, packets, frames, and packets missing by sequence number."""
        out: dict[str, int] = {}
        for stream in self.streams.values():
            kind = kinds[stream.payload_type]
            out[f"{kind}_streams"] = out.get(f"{kind}_streams", 0) + 1
            out[f"{kind}_packets"] = out.get(f"{kind}_packets", 0) + stream.packets
            out[f"{kind}_frames"] = out.get(f"{kind}_frames", 0) + stream.frames
            missing = stream.highest - stream.first + 1 - stream.packets
            out[f"{kind}_missing"] = out.get(f"{kind}_missing", 0) + max(0, missing)
        return out


def media_types(pc: RTCPeerConnection) -> dict[int, str]:
    """Payload type -> "audio" / "video" of the media codecs negotiated (not RTX)."""
    kinds: dict[int, str] = {}
    for transceiver in pc.getTransceivers():
        for codec in transceiver.receiver._RTCRtpReceiver__codecs.values():  # type: ignore[attr-defined]
            if codec.mimeType.split("/")[1].lower() != "rtx":
                kinds[codec.payloadType] = transceiver.kind
    return kinds


def count_packets(pc: RTCPeerConnection, kinds: dict[int, str]) -> PacketCounter:
    """From now on, the connection's RTP packets are counted here instead of reaching aiortc."""
    counter = PacketCounter(set(kinds))
    transceiver = pc.getTransceivers()[0]
    connection: Any = transceiver.receiver.transport.transport._connection
    for protocol in connection._protocols:
        _divert(protocol, counter)
    return counter


def _divert(protocol: Any, counter: PacketCounter) -> None:
    original = protocol.datagram_received

    def datagram_received(data: bytes, addr: tuple[Any, ...]) -> None:
        first = data[0] if data else 0
        if 128 <= first <= 191:  # RTP or RTCP (RFC 7983)
            if not 192 <= data[1] <= 223:  # not RTCP (RFC 5761)
                counter.count(data)
            return
        original(data, addr)  # STUN (consent), DTLS

    protocol.datagram_received = datagram_received
