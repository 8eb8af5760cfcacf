"""Wake-ups for long polls without sleeping or polling.

A ``Signal`` is fired synchronously by whatever changed state (a stored message, a confirmed
offset, an answered callback). Waiters re-check their own condition after each wake-up, so a
spurious wake is harmless. Firing a signal nobody waits on costs O(1), which keeps the per-request
cost flat even with thousands of chats: each chat has its own signal.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable


class Signal:
    """Many waiters, one ``fire()``; every waiter registered before the fire wakes once."""

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def fire(self) -> None:
        if not self._waiters:
            return
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _add(self, waiter: asyncio.Future[None]) -> None:
        self._waiters.add(waiter)

    def _discard(self, waiter: asyncio.Future[None]) -> None:
        self._waiters.discard(waiter)


async def wait_any(signals: Iterable[Signal], timeout: float) -> None:
    """Return when any of ``signals`` fires or ``timeout`` seconds pass, whichever is first."""
    chosen = list(signals)
    waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    for signal in chosen:
        signal._add(waiter)
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(timeout, 0.0)):
                await waiter
    finally:
        for signal in chosen:
            signal._discard(waiter)


async def wait_until(
    done: Callable[[], bool], timeout: float, *signals: Signal, give_up: Callable[[], bool]
) -> bool:
    """Wait until ``done()`` holds, re-checking whenever one of ``signals`` fires; ``give_up()``
    (the server closing) ends the wait early. Returns ``done()`` at the end."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done():
        remaining = deadline - loop.time()
        if remaining <= 0 or give_up():
            return done()
        await wait_any(signals, remaining)
    return True
