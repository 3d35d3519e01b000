"""What one connection may make the worker hold, both ways (issue 14).

Incoming: daphne puts every frame it receives on the application's queue, unbounded, and the
consumer handles them one by one — a client sending 14,000 frames a second had its frames
queued (500 MiB) and refused one by one for seconds after it left. Here each frame is judged
as daphne receives it (``direct_write.watch_arrivals``), charged to the participant's token
bucket at that moment (so a backlog sent within the limit is never refused for being handled
late): within the limit it is queued; beyond it it is dropped and answered ``rate_limited``
at once; a connection that keeps going far beyond it (``ratelimit.FloodGuard``) is closed with
4429 — answering a flood frame by frame costs more than closing it.

Outgoing: Twisted buffers what the kernel does not take, unbounded, and a client that stops
reading stops taking. Before each frame is written the bytes already waiting are counted
(``direct_write.Outflow``); a frame that would take them past ``WS_MAX_QUEUED_BYTES`` is
dropped and the connection closed with 4507: the browser reconnects and catches up with
``chat.sync``, whose pages go out only as the socket drains (``drained``); a connection on
which such an answer has found no room for ``STALLED_S`` is closed the same way.

No daphne underneath (tests' communicator): no guard; the consumer charges the bucket when it
handles a message, as before.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from signaling.consumers.direct_write import DRAINED_BYTES, Frame, Outflow, daphne_protocol, watch_arrivals
from signaling.protocol import ErrorCode, Limits, ProtocolError, error_reply
from signaling.protocol.base import CloseCode
from signaling.ratelimit import FLOOD_ALLOWANCE, FloodGuard, RateLimiter, TokenBucket, Verdict, fits

logger = logging.getLogger("convene.signaling")

RATE_LIMITED = "Too many messages: wait a few seconds."
FLOODED = "Far too many messages: this connection was closed."
TOO_SLOW = "Messages for you piled up unread: reconnect and catch up with chat.sync."
# A slow reader's close frame waits behind what is queued: time for a client that does read,
# slowly, to see the code; a client that reads nothing is dropped after it.
TOO_SLOW_LINGER_S = 10.0
FLOOD_LINGER_S = 1.0
DEFAULT_MAX_QUEUED = 1024 * 1024
# An answer sent as the socket drains (chat.sync pages) that has waited this long for the
# client to read 64 KiB: the client is not reading.
STALLED_S = 15.0


def ref_of(payload: bytes, max_bytes: int) -> str | None:
    """The ``id`` of a refused frame, for its ``rate_limited`` answer; None when it has no usable one."""
    if len(payload) > max_bytes:
        return None
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    ref = data.get("id") if isinstance(data, dict) else None
    if not isinstance(ref, str) or len(ref) > 64:
        return None
    try:
        ref.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: not echoed
        return None
    return ref


class Guard:
    """One daphne connection's bounds, both ways (see the module's docstring)."""

    def __init__(self, protocol: Any, limits: Limits, max_queued: int, rate_limiter: RateLimiter,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.protocol = protocol
        self.outflow = Outflow(protocol)
        self.max_queued = max_queued
        self.limits = limits
        self.rate_limiter = rate_limiter
        self.participant_id: int | None = None
        self.write: Callable[[Frame], None] | None = None  # the direct writer, once there is one
        self._clock = clock
        self._anonymous = TokenBucket(limits.rate_limit_burst, limits.rate_limit_per_s, clock)  # until admitted
        self._flood = FloodGuard(FLOOD_ALLOWANCE, limits.rate_limit_per_s, clock)
        self.closing = False
        self._stalled_since: float | None = None  # answers have waited for room since
        watch_arrivals(protocol, self.arrived)

    def admitted(self, participant_id: int, limits: Limits) -> None:
        """From now on frames are charged to the participant's bucket (shared by their tabs)."""
        self.participant_id, self.limits = participant_id, limits

    # ---- incoming ------------------------------------------------------------------------------

    def arrived(self, payload: bytes, is_binary: bool) -> bool:
        """daphne just received ``payload``: queue it for the consumer (True), or not."""
        if self.closing:
            return False  # closed as too slow or flooding: nothing more is handled
        at = self._clock()
        limits = self.limits
        if self.participant_id is None:
            allowed = self._anonymous.take(at)
        else:
            allowed = self.rate_limiter.allow(self.participant_id, limits.rate_limit_burst,
                                              limits.rate_limit_per_s, at)
        verdict = self._flood.judge(allowed, at)
        if verdict is Verdict.ACCEPT:
            return True
        if verdict is Verdict.REFUSE:
            ref = ref_of(payload, limits.max_message_bytes)
            logger.info("refused rate_limited from participant %s (at arrival)", self.participant_id)
            self._send(error_reply(ProtocolError(ErrorCode.RATE_LIMITED, RATE_LIMITED, ref)).to_json())
        elif verdict is Verdict.CLOSE:
            self._close(CloseCode.FLOODED, FLOODED, FLOOD_LINGER_S,
                        f"participant {self.participant_id} flooded: beyond the rate limit by "
                        f"{FLOOD_ALLOWANCE} messages; closed")
        return False

    def _send(self, text: str) -> None:
        if self.write is not None:
            self.write(Frame(text))  # asks may_send itself
        elif self.may_send(len(text)):
            self.protocol.serverSend(text, False)  # daphne's own path

    # ---- outgoing ------------------------------------------------------------------------------

    def may_send(self, size: int) -> bool:
        """May a frame of ``size`` bytes be queued for this client? No: it is dropped and the
        connection closed (once) as too slow."""
        if self.closing:
            return False
        queued = self.outflow.queued()
        if fits(queued, size, self.max_queued):
            self.outflow.wrote(size)
            return True
        self._close(CloseCode.TOO_SLOW, TOO_SLOW, TOO_SLOW_LINGER_S,
                    f"participant {self.participant_id} too slow: {queued} bytes queued unread "
                    f"(WS_MAX_QUEUED_BYTES {self.max_queued}); closed")
        return False

    async def drained(self) -> None:
        """Until no more than ``DRAINED_BYTES`` wait for this client (or it is closing).

        Polled, backing off to twice a second: Twisted tells only a registered producer when
        its buffer empties, and daphne's upgraded HTTP channel already is one. Waiting longer
        than ``STALLED_S`` (a newer catch-up replacing this one waits on the same clock) closes
        the connection as too slow.
        """
        delay = 0.02
        while not self.closing and self.outflow.is_open():
            queued = self.outflow.queued()
            if queued <= DRAINED_BYTES:
                self._stalled_since = None
                return
            now = self._clock()
            if self._stalled_since is None:
                self._stalled_since = now
            elif now - self._stalled_since > STALLED_S:
                self._close(CloseCode.TOO_SLOW, TOO_SLOW, TOO_SLOW_LINGER_S,
                            f"participant {self.participant_id} too slow: {queued} bytes unread for "
                            f"{STALLED_S:.0f} s; closed")
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _close(self, code: CloseCode, reason: str, linger_s: float, why: str) -> None:
        if self.closing:
            return
        self.closing = True
        logger.warning("%s (close %d)", why, int(code))
        self.outflow.close(int(code), reason, linger_s)


def guard_for(send: Any, limits: Limits, max_queued: int, rate_limiter: RateLimiter) -> Guard | None:
    """This connection's guard, or None when daphne is not underneath."""
    protocol = daphne_protocol(send)
    if protocol is None:
        return None
    return Guard(protocol, limits, max_queued, rate_limiter)
