"""Telegram's sending limits, enforced process-wide before each call.

Telegram allows about 30 messages per second overall, one per second to a private chat and 20
per minute to a group. The sender spaces its calls evenly at those rates, leaving Telegram's own
short bursts as slack for timing jitter, so a well-behaved sender never meets a 429.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiolimiter import AsyncLimiter

GROUP_KINDS = frozenset({"group", "supergroup", "channel"})
PRUNE_ABOVE = 5000


@dataclass(frozen=True, slots=True)
class RateSettings:
    global_per_second: float = 30.0
    private_per_second: float = 1.0
    group_per_minute: float = 20.0
    paid_per_second: float | None = None  # paid broadcasts (allow_paid_broadcast), if enabled


def _spaced(per_second: float, window: float) -> AsyncLimiter:
    """A limiter allowing ``per_second`` on average, in bursts no longer than ``window``."""
    capacity = max(1.0, per_second * window)
    return AsyncLimiter(capacity, capacity / per_second)


class SendLimits:
    def __init__(self, settings: RateSettings) -> None:
        self.settings = settings
        self.overall = _spaced(settings.global_per_second, window=0.1)
        paid = settings.paid_per_second
        self.paid = _spaced(paid, window=0.1) if paid else None
        self._lanes: dict[str, AsyncLimiter] = {}

    def overall_for(self, params: dict[str, object]) -> AsyncLimiter:
        """Paid broadcasts have their own, higher global limit; everything else shares one."""
        if self.paid is not None and params.get("allow_paid_broadcast"):
            return self.paid
        return self.overall

    def for_lane(self, lane: str, chat_kind: str) -> AsyncLimiter:
        limiter = self._lanes.get(lane)
        if limiter is None:
            if len(self._lanes) > PRUNE_ABOVE:
                self._prune()
            if chat_kind == "callback":  # answers to button presses: not chat messages
                limiter = _spaced(100.0, window=1)
            elif chat_kind in GROUP_KINDS:
                limiter = _spaced(self.settings.group_per_minute / 60.0, window=0)
            else:
                limiter = _spaced(self.settings.private_per_second, window=0)
            self._lanes[lane] = limiter
        return limiter

    def _prune(self) -> None:
        """Forget limiters that are fully drained; a new one starts in the same state."""
        idle = [
            lane for lane, limiter in self._lanes.items() if limiter.has_capacity(limiter.max_rate)
        ]
        for lane in idle:
            del self._lanes[lane]
