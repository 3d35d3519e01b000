"""The parts of an outgoing RTP header that are the same for many packets.

``frame_clock`` reads the clock once per forwarded frame (every subscriber's
copy goes out within the same fan-out); ``Extensions`` is one sender's
header-extension block (mid fixed, abs-send-time per frame), laid out once.
"""

from __future__ import annotations

import struct
import time

from aiortc.rtcrtpparameters import RTCRtpSendParameters
from aiortc.rtp import pack_header_extensions

from .passthrough import EncodedFrame

NTP_UNIX_OFFSET = 2208988800  # seconds from 1900 (NTP epoch) to 1970
ABS_SEND_TIME_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"


def frame_clock(frame: EncodedFrame) -> tuple[int, bytes]:
    """(NTP timestamp, 3-byte abs-send-time) for ``frame``, read once per frame.

    Every subscriber's copy of a frame goes out within the same fan-out, so one
    clock read serves them all (aiortc reads a datetime clock twice per packet).
    """
    stamp = frame.send_clock
    if stamp is None:
        ntp = int((time.time() + NTP_UNIX_OFFSET) * (1 << 32))
        stamp = frame.send_clock = (ntp, ((ntp >> 14) & 0xFFFFFF).to_bytes(3, "big"))
    return stamp


class Extensions:
    """The header-extension block of one sender: mid fixed, abs-send-time per frame."""

    def __init__(self, parameters: RTCRtpSendParameters, mid: str | None) -> None:
        ids = {ext.uri: ext.id for ext in parameters.headerExtensions}
        abs_id, mid_id = ids.get(ABS_SEND_TIME_URI), ids.get(MID_URI)
        extensions: list[tuple[int, bytes]] = []
        if abs_id:  # first, so its bytes sit at a fixed offset
            extensions.append((abs_id, b"\x00\x00\x00"))
        if mid_id and mid is not None:
            extensions.append((mid_id, mid.encode("utf8")))
        profile, value = pack_header_extensions(extensions)
        block = struct.pack("!HH", profile, len(value) >> 2) + value if value else b""
        # abs-send-time value offset: 4-byte block header + 1 (one-byte) or 2 (two-byte) id bytes
        offset = 4 + (1 if profile == 0xBEDE else 2)
        self.has_abs = bool(abs_id)
        self._head = block[:offset] if abs_id else block
        self._tail = block[offset + 3 :] if abs_id else b""

    def block(self, abs_send_time: bytes) -> bytes:
        if not self.has_abs:
            return self._head
        return self._head + abs_send_time + self._tail

    def template(self) -> tuple[bytes, int]:
        """(the block with a zero abs-send-time, where its 3 bytes sit or -1): for C."""
        return self.block(b"\x00\x00\x00"), len(self._head) if self.has_abs else -1
