"""What the recorder needs from a VP8 frame without decoding it: its size, on keyframes."""
from __future__ import annotations

START_CODE = b"\x9d\x01\x2a"


def keyframe_size(frame: bytes) -> tuple[int, int] | None:
    """(width, height) of a VP8 keyframe (RFC 6386 section 9.1), None for anything else."""
    if len(frame) < 10 or frame[0] & 1 or frame[3:6] != START_CODE:
        return None
    width = int.from_bytes(frame[6:8], "little") & 0x3FFF
    height = int.from_bytes(frame[8:10], "little") & 0x3FFF
    return (width, height) if width and height else None
