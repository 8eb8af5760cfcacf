"""Telegram's flood limits as token buckets.

Telegram documents roughly 30 messages a second overall, about one a second per private chat
(short bursts tolerated) and 20 a minute per group. A refused request consumes nothing and is told
the real time until a token is available, so a bot that honours ``retry_after`` is never refused
twice for the same reason.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("global", "private", "group")


@dataclass(frozen=True)
class Limits:
    """Rates of the three buckets; ``None`` switches that bucket off."""

    global_per_second: float | None = 30.0
    private_per_second: float | None = 1.0
    private_burst: int = 3
    group_per_minute: float | None = 20.0
    group_burst: int = 20
    paid_per_second: float | None = 1000.0  # paid broadcasts (allow_paid_broadcast)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def replace(self, **changes: Any) -> Limits:
        unknown = set(changes) - set(self.to_dict())
        if unknown:
            raise ValueError(f"unknown limits: {sorted(unknown)}")
        return Limits(**{**self.to_dict(), **changes})


class Bucket:
    """``capacity`` tokens, refilled continuously at ``rate`` per second."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate, self.capacity = rate, max(1.0, capacity)
        self.tokens, self.stamp = self.capacity, time.monotonic()

    def wait_time(self, now: float) -> float:
        """Seconds until a token is available (0 if one is now); takes nothing."""
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class Refused(Exception):
    def __init__(self, kind: str, retry_after: int) -> None:
        super().__init__(f"{kind}: retry after {retry_after}")
        self.kind, self.retry_after = kind, retry_after


class RateLimiter:
    """One global bucket and one bucket per chat, created on first use."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._global: Bucket | None = None
        self._chats: dict[int, Bucket] = {}
        self.configure(limits)

    def configure(self, limits: Limits) -> None:
        """New limits start with full buckets (as after a quiet period)."""
        self.limits = limits
        rate = limits.global_per_second
        self._global = Bucket(rate, rate) if rate else None
        paid = limits.paid_per_second
        self._paid = Bucket(paid, paid) if paid else None
        self._chats.clear()

    def _chat_bucket(self, chat_id: int, private: bool) -> Bucket | None:
        bucket = self._chats.get(chat_id)
        if bucket is not None:
            return bucket
        limits = self.limits
        if private and limits.private_per_second:
            bucket = Bucket(limits.private_per_second, limits.private_burst)
        elif not private and limits.group_per_minute:
            bucket = Bucket(limits.group_per_minute / 60, limits.group_burst)
        if bucket is not None:
            self._chats[chat_id] = bucket
        return bucket

    def acquire(self, chat_id: int | None, private: bool, paid: bool = False) -> None:
        """Take one token from every applicable bucket, or raise ``Refused`` taking none.

        A paid broadcast (``allow_paid_broadcast``) is not counted against the free global
        limit but against the paid one (Telegram: up to 1000 messages a second)."""
        now = time.monotonic()
        chat = self._chat_bucket(chat_id, private) if chat_id is not None else None
        chat_wait = chat.wait_time(now) if chat is not None else 0.0
        overall = self._paid if paid else self._global
        global_wait = overall.wait_time(now) if overall is not None else 0.0
        if chat_wait > 0 or global_wait > 0:
            kind = ("private" if private else "group") if chat_wait > 0 else "global"
            raise Refused(kind, max(1, math.ceil(max(chat_wait, global_wait))))
        if chat is not None:
            chat.take()
        if overall is not None:
            overall.take()
