"""In-memory sliding-window rate limits, one bucket per (action, key). Per process, by design."""

from __future__ import annotations

import time
from collections import deque


class RateLimiter:
    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def hit(self, *, action: str, key: str, limit: int, window_s: float = 60.0) -> float | None:
        """Record one hit. Returns None when allowed, else seconds until the next hit is allowed."""
        now = time.monotonic()
        bucket = self._hits.setdefault((action, key), deque())
        while bucket and now - bucket[0] >= window_s:
            bucket.popleft()
        if len(bucket) >= limit:
            return max(0.0, window_s - (now - bucket[0]))
        bucket.append(now)
        if len(self._hits) > 100_000:  # forget stale buckets
            self._hits = {k: v for k, v in self._hits.items() if v and now - v[-1] < window_s}
        return None
