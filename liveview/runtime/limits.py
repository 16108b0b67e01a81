"""Per-socket rate limits (joins, frames): token buckets, checked before any work."""
from __future__ import annotations

import time
from collections.abc import Callable


class RateLimit:
    """A token bucket: `rate` events a second, bursts of up to `rate` (0: no limit)."""

    __slots__ = ("rate", "_clock", "_tokens", "_last")

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self._clock = clock
        self._tokens = float(rate)
        self._last = clock()

    def allow(self) -> bool:
        """Take one token; False when the bucket is empty."""
        rate = self.rate
        if rate <= 0:
            return True
        clock = self._clock  # (`self._clock()`: a call CPython 3.11 never specializes)
        now = clock()
        tokens = self._tokens + (now - self._last) * rate
        self._last = now
        if tokens > rate:  # (not `min()`: a call less on every frame)
            tokens = rate
        if tokens < 1:
            self._tokens = tokens
            return False
        self._tokens = tokens - 1
        return True
