"""Growing pauses between retries, cut short when the service stops."""

from __future__ import annotations

import asyncio


class Backoff:
    """Delays of ``first``, twice that, … up to ``most`` seconds; ``reset()`` after a success."""

    def __init__(self, first: float = 0.5, most: float = 30.0) -> None:
        self._first = first
        self._most = most
        self._next = first

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self._most)
        return delay

    def reset(self) -> None:
        self._next = self._first


async def pause(stopping: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less when ``stopping`` is set."""
    try:
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    except TimeoutError:
        pass
