"""The relay between media workers on the wire (pure: no sockets, no clocks).

Three datagrams, each starting with one type byte:

* ``F`` — one piece of one encoded frame of a publication: a fixed header (``_HEAD``), the
  publication id, then up to ``CHUNK`` bytes of the frame. A frame larger than a chunk is split
  (a VP8 keyframe is tens of kilobytes; datagrams stay below a private network's MTU so nothing
  relies on IP fragmentation).
* ``L`` — a lease: JSON ``{"worker": name, "pubs": [pub_id, ...]}``, the full list of publications
  the sending worker wants relayed to the address it sends from. Sent a few times a second; a
  lease not renewed within ``cascade.LEASE_S`` ends.
* ``P`` — a keyframe request (PLI) for one publication, going back to the worker that receives it.

``Assembly`` puts a publication's frames back together and says when one was lost (a piece
missing): a video subscriber then waits for the next keyframe instead of decoding garbage.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass

FRAME, LEASE, PLI = b"F", b"L", b"P"
CHUNK = 1200  # bytes of frame per datagram: with headers well under a 1500-byte MTU
MAX_ID = 200  # bytes of publication id (media ids are bounded by MediaServer's MAX_ID_LENGTH)
MAX_LEASE_BYTES = 60_000  # a lease naming more than ~1,500 publications is refused
MAX_CHUNKS = 1000  # a frame of more than ~1.2 MB is not a frame we relay
NO_LEVEL = 255  # the frame carries no audio level
# type, id length, frame sequence, chunk index, chunk count, RTP timestamp, flags, level, clock rate
_HEAD = struct.Struct("!cBIHHIBBI")
_KEYFRAME = 1


class BadDatagram(ValueError):
    """A datagram that is not ours or is malformed: dropped (and counted) by the receiver."""


@dataclass(frozen=True)
class Piece:
    pub_id: str
    seq: int
    index: int
    count: int
    timestamp: int
    keyframe: bool
    level: int  # RFC 6464 audio level of the publisher when the frame left, or NO_LEVEL
    clock_rate: int
    data: bytes


def frame_datagrams(pub_id: bytes, seq: int, data: bytes, timestamp: int, keyframe: bool,
                    level: int, clock_rate: int) -> list[bytes]:
    """``data`` (one encoded frame) as ``F`` datagrams."""
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    flags = _KEYFRAME if keyframe else 0
    return [_HEAD.pack(FRAME, len(pub_id), seq & 0xFFFFFFFF, i, len(chunks), timestamp & 0xFFFFFFFF, flags, level,
                       clock_rate) + pub_id + chunk
            for i, chunk in enumerate(chunks)]


def parse_piece(datagram: bytes) -> Piece:
    if len(datagram) < _HEAD.size:
        raise BadDatagram("short frame datagram")
    kind, id_len, seq, index, count, timestamp, flags, level, clock_rate = _HEAD.unpack_from(datagram)
    end = _HEAD.size + id_len
    if kind != FRAME or not 0 < id_len <= MAX_ID or len(datagram) < end or not index < count <= MAX_CHUNKS:
        raise BadDatagram("malformed frame datagram")
    try:
        pub_id = datagram[_HEAD.size:end].decode()
    except UnicodeDecodeError as exc:
        raise BadDatagram("publication id is not UTF-8") from exc
    return Piece(pub_id, seq, index, count, timestamp, bool(flags & _KEYFRAME), level, clock_rate, datagram[end:])


def lease_datagram(worker: str, pub_ids: list[str]) -> bytes:
    return LEASE + json.dumps({"worker": worker, "pubs": sorted(pub_ids)}).encode()


def parse_lease(datagram: bytes) -> tuple[str, frozenset[str]]:
    if len(datagram) > MAX_LEASE_BYTES:
        raise BadDatagram("lease too large")
    try:
        body = json.loads(datagram[1:])
        worker, pubs = body["worker"], body["pubs"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BadDatagram("malformed lease") from exc
    if not isinstance(worker, str) or not isinstance(pubs, list) or not all(isinstance(p, str) for p in pubs):
        raise BadDatagram("malformed lease")
    return worker, frozenset(pubs)


def pli_datagram(pub_id: str) -> bytes:
    return PLI + pub_id.encode()


def parse_pli(datagram: bytes) -> str:
    if not 1 < len(datagram) <= MAX_ID + 1:
        raise BadDatagram("malformed keyframe request")
    try:
        return datagram[1:].decode()
    except UnicodeDecodeError as exc:
        raise BadDatagram("publication id is not UTF-8") from exc


class Assembly:
    """One relayed publication's frames, put back together in order.

    ``feed`` returns the frame completed by this piece (or None) and whether a frame was lost
    before it: a piece of a newer frame while the current one is incomplete, or a gap in the
    frame sequence. Late pieces of frames already finished or abandoned are ignored.
    """

    def __init__(self) -> None:
        self.last_done: int | None = None
        self.current: int | None = None
        self.parts: dict[int, bytes] = {}
        self.count = 0
        self.lost = 0

    def feed(self, piece: Piece) -> tuple[bytes | None, bool]:
        seq = piece.seq
        if (self.last_done is not None and seq <= self.last_done) or (self.current is not None and seq < self.current):
            return None, False
        lost = False
        if seq != self.current:
            lost = self.current is not None or (self.last_done is not None and seq != self.last_done + 1)
            self.current, self.parts, self.count = seq, {}, piece.count
            self.lost += lost
        if piece.count != self.count:  # not the frame it claims to be part of
            return None, lost
        self.parts[piece.index] = piece.data
        if len(self.parts) < self.count:
            return None, lost
        frame = b"".join(self.parts[i] for i in range(self.count))
        self.last_done, self.current, self.parts = seq, None, {}
        return frame, lost
