"""Token buckets: how many messages a participant may send, per worker."""
from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """``burst`` tokens, refilled at ``per_s``; each message takes one."""

    def __init__(self, burst: int, per_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.per_s, self._clock = burst, per_s, clock
        self.tokens = float(burst)
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.burst, self.tokens + (now - self._at) * self.per_s)
        self._at = now

    def full(self) -> bool:
        self._refill()
        return self.tokens >= self.burst

    def take(self) -> bool:
        self._refill()
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class RateLimiter:
    """One bucket per participant, shared by their tabs on this worker."""

    def __init__(self) -> None:
        self._buckets: dict[int, TokenBucket] = {}

    def allow(self, participant_id: int, burst: int, per_s: float) -> bool:
        bucket = self._buckets.get(participant_id)
        if bucket is None or (bucket.burst, bucket.per_s) != (burst, per_s):
            bucket = self._buckets[participant_id] = TokenBucket(burst, per_s)
        return bucket.take()

    def prune(self) -> None:
        """Drop buckets that have refilled: their owners are idle (or gone)."""
        for participant_id, bucket in list(self._buckets.items()):
            if bucket.full():
                del self._buckets[participant_id]
