"""aiortc adapter, the last step of the send path: SRTP and the ICE pair's socket.

Part of the aiortc adapter (see ``sendpath.py``; signaling.adapters checks the
pinned pylibsrtp internals used here, listed in PRIVATE_NAMES). A ``Wire`` is
where one subscriber's packets go: the DTLS transport's tx SRTP session and
the nominated ICE pair's datagram transport and address. When the C module ``_wire`` is built (``make setup``)
and the pair is a plain UDP socket, a whole frame is packetized, protected
and sent in one C call (``NativeWire``); otherwise (no compiler, a TURN-relayed
pair, asyncio holding a backlog) the Python path below does the same steps.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import pylibsrtp
from pylibsrtp import Session
from pylibsrtp._binding import ffi, lib

logger = logging.getLogger(__name__)

try:
    from ._wire import Stream as Stream
    from ._wire import fan_out as fan_out
    from ._wire import send_frame as send_frame
except ImportError:  # no C compiler at setup: correct, only slower
    Stream = fan_out = send_frame = None
    logger.warning("signaling.media._wire is not built (make setup builds it): media uses the slower Python send path")

# pylibsrtp's private binding (a Session's ``_srtp`` context: sendpath.PRIVATE_NAMES).
PRIVATE_NAMES: tuple[tuple[Any, tuple[str, ...]], ...] = ((lib, ("srtp_protect", "srtp_err_status_ok")),)

# CONVENE_NATIVE_SEND=0 keeps the Python path (to compare the two, or to rule the C out)
NATIVE_ENABLED = os.environ.get("CONVENE_NATIVE_SEND", "1") != "0"
# pylibsrtp's own srtp_protect (libsrtp 2: ctx, packet, *length), handed to the C module
SRTP_PROTECT = int(ffi.cast("uintptr_t", ffi.addressof(lib, "srtp_protect")))

Protect = Callable[[bytes], bytes]


class NativeWire:
    """What the C path needs: its own duplicate of the ICE socket, the peer's
    packed address and the SRTP context.

    The duplicate is why the C path may skip per-frame checks: once aiortc
    closes the original socket its fd number can be reused by any new socket
    (a database connection, another peer's); ours stays this UDP socket until
    this object goes, so a late frame can only reach the peer it was for.
    """

    __slots__ = ("fd", "sockaddr", "ctx", "transport", "addr", "close", "__weakref__")

    def __init__(self, fd: int, sockaddr: bytes, ctx: int, transport: Any, addr: tuple[Any, ...]) -> None:
        self.fd = os.dup(fd)
        self.close = weakref.finalize(self, os.close, self.fd)  # runs once: close() or collection
        self.sockaddr, self.ctx, self.transport, self.addr = sockaddr, ctx, transport, addr

    def queue(self, packets: list[bytes]) -> None:
        """Protected packets the kernel refused: asyncio's queue sends them, in order."""
        for packet in packets:
            self.transport.sendto(packet, self.addr)


def srtp_context(session: Session) -> int:
    """The address of ``session``'s libsrtp context, for the C module."""
    return int(ffi.cast("uintptr_t", session._srtp[0]))


def _protector(session: Session) -> Protect:
    """``session.protect`` without its per-call allocation (same C call, same buffer)."""
    srtp, cdata, buffer = session._srtp[0], session._cdata, session._buffer
    capacity = len(buffer) - pylibsrtp.SRTP_MAX_TRAILER_LEN
    length = ffi.new("int *")
    srtp_protect, ok = lib.srtp_protect, lib.srtp_err_status_ok

    def protect(packet: bytes) -> bytes:
        size = len(packet)
        if size > capacity:
            raise ValueError("packet is too long")
        buffer[0:size] = packet
        length[0] = size
        status = srtp_protect(srtp, cdata, length)
        if status != ok:
            raise pylibsrtp.Error(pylibsrtp.ERRORS[status])
        return cast(bytes, buffer[0 : length[0]])  # cffi's buffer slice is bytes

    protect.session = session  # type: ignore[attr-defined]  # keeps the C session alive
    return protect


def packed_sockaddr(family: int, addr: tuple[Any, ...]) -> bytes | None:
    """``struct sockaddr_in`` / ``sockaddr_in6`` for ``addr``, or None (scoped IPv6, a name)."""
    host, port = addr[0], addr[1]
    try:
        if family == socket.AF_INET:
            return struct.pack("=H", family) + struct.pack("!H4s", port, socket.inet_pton(family, host)) + bytes(8)
        if family == socket.AF_INET6 and "%" not in host:
            return struct.pack("=H", family) + struct.pack("!HI16s", port, 0, socket.inet_pton(family, host)) + bytes(4)
    except (OSError, ValueError, struct.error):
        pass
    return None


def _native(session: Session, transport: Any, addr: tuple[Any, ...]) -> NativeWire | None:
    if send_frame is None:
        return None
    sock = transport.get_extra_info("socket")  # None for a TURN-relayed pair
    if sock is None or transport.get_extra_info("peername") is not None:
        return None
    sockaddr = packed_sockaddr(sock.family, addr)
    if sockaddr is None:
        return None
    return NativeWire(sock.fileno(), sockaddr, srtp_context(session), transport, addr)


@dataclass(frozen=True, slots=True)
class Wire:
    session: Session  # held: the C path uses its context by address
    protect: Protect
    transport: Any  # asyncio datagram transport, or aioice's TurnTransport
    addr: tuple[Any, ...]
    _native: NativeWire | None

    @classmethod
    def of(cls, session: Session, transport: Any, addr: tuple[Any, ...]) -> Wire:
        return cls(session, _protector(session), transport, addr, _native(session, transport, addr))

    @property
    def closing(self) -> bool:
        """The ICE socket is closing (aiortc is shutting the connection down): send nothing."""
        is_closing = getattr(self.transport, "is_closing", None)
        return bool(is_closing is not None and is_closing())

    @property
    def native(self) -> NativeWire | None:
        return None if self.closing else self._native

    def close(self) -> None:
        """Release the C path's socket duplicate (the ICE socket itself is aiortc's)."""
        if self._native is not None:
            self._native.close()

    def backlog(self) -> int:
        """Bytes asyncio holds for this socket (the kernel's buffer was full)."""
        size = getattr(self.transport, "get_write_buffer_size", None)
        return size() if size is not None else 0
