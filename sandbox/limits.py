"""Telegram's flood limits, as token buckets."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class Limits:
    global_per_second: float | None = 30.0
    private_per_second: float | None = 1.0
    private_burst: int = 3
    group_per_minute: float | None = 20.0
    group_burst: int = 20


class Bucket:
    def __init__(self, rate: float, capacity: float) -> None:
        self.rate, self.capacity = rate, capacity
        self.tokens, self.stamp = capacity, time.monotonic()

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self) -> float:
        """0 when a token is available (and take it); else seconds until one is."""
        now = time.monotonic()
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

    def give_back(self) -> None:
        self.tokens = min(self.capacity, self.tokens + 1)
