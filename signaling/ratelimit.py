"""Token buckets: how many messages a participant may send, per worker; and what to do with a flood.

Every message is charged when it *arrived* (daphne received the frame), not when its handler
got to it: after a stall, a backlog of messages sent within the limit must not be refused
because they are all handled at once (issue 14). Callers pass ``at``, the arrival time on the
bucket's clock (``time.monotonic``).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum


class TokenBucket:
    """``burst`` tokens, refilled at ``per_s``; each message takes one."""

    def __init__(self, burst: int, per_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.per_s, self._clock = burst, per_s, clock
        self.tokens = float(burst)
        self._at = clock()

    def _refill(self, at: float | None) -> None:
        now = self._clock() if at is None else at
        if now > self._at:  # a message stamped before the last one refills nothing (never a negative refill)
            self.tokens = min(self.burst, self.tokens + (now - self._at) * self.per_s)
            self._at = now

    def full(self, at: float | None = None) -> bool:
        self._refill(at)
        return self.tokens >= self.burst

    def take(self, at: float | None = None) -> bool:
        """Charge one message that arrived ``at`` (default: now); False if the bucket is empty."""
        self._refill(at)
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class RateLimiter:
    """One bucket per participant, shared by their tabs on this worker."""

    def __init__(self) -> None:
        self._buckets: dict[int, TokenBucket] = {}

    def allow(self, participant_id: int, burst: int, per_s: float, at: float | None = None) -> bool:
        bucket = self._buckets.get(participant_id)
        if bucket is None or (bucket.burst, bucket.per_s) != (burst, per_s):
            bucket = self._buckets[participant_id] = TokenBucket(burst, per_s)
        return bucket.take(at)

    def prune(self) -> None:
        """Drop buckets that have refilled: their owners are idle (or gone)."""
        for participant_id, bucket in list(self._buckets.items()):
            if bucket.full():
                del self._buckets[participant_id]


class Verdict(Enum):
    ACCEPT = "accept"  # within the rate limit: queue it for its handler
    REFUSE = "refuse"  # beyond it: answer ``rate_limited``, drop the frame
    CLOSE = "close"  # a flood: close the connection (4429) instead of answering each frame
    DROP = "drop"  # the connection is closing: drop without a word


# Refusals a connection may run up (refilled at the participant's rate) before it counts as a
# flood. A browser never comes near: its outbox holds at most 50 messages, flushed on reconnect.
FLOOD_ALLOWANCE = 100


class FloodGuard:
    """One connection's frames as they arrive, after the participant's bucket had its say.

    A frame beyond the rate limit is refused with ``rate_limited`` (an answer the client can
    act on). A client that keeps sending far beyond the limit — ``allowance`` refusals, refilled
    at the same rate as the bucket — is not answered frame by frame: its connection is closed.
    """

    def __init__(self, allowance: int = FLOOD_ALLOWANCE, per_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._refusals = TokenBucket(allowance, per_s, clock)
        self.closed = False

    def judge(self, allowed: bool, at: float | None = None) -> Verdict:
        """What to do with a frame that arrived ``at``; ``allowed``: the rate limit let it through."""
        if self.closed:
            return Verdict.DROP
        if allowed:
            return Verdict.ACCEPT
        if self._refusals.take(at):
            return Verdict.REFUSE
        self.closed = True
        return Verdict.CLOSE


def fits(queued: int, size: int, limit: int) -> bool:
    """May a frame of ``size`` bytes be queued behind ``queued`` bytes not yet sent?

    Yes while the total stays within ``limit``, and always when nothing waits (one frame larger
    than the limit still goes out): a connection's queue is bounded by max(limit, largest frame).
    """
    return queued == 0 or queued + size <= limit
