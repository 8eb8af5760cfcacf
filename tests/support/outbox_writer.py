"""Another process that queues three calls in one transaction (or rolls it back), for the
specifications of what other processes' commits tell the sender's leader.

Run: ``python -m tests.support.outbox_writer DATABASE_URL [--fail]``."""

from __future__ import annotations

import asyncio
import sys

from bot.core.clock import Clock
from bot.core.keyring import Keyring
from storage.db import Database
from storage.outbox import Destination
from storage.uow import Storage
from tests.support.service import SECRET


async def queue_reply(storage: Storage, fail: bool = False) -> None:
    destination = Destination(7_000_001, "private", "lane")
    async with storage.transaction() as uow:
        for text in ("một", "hai", "ba"):
            await uow.outbox.enqueue(destination, "sendMessage", {"text": text}, Clock().now())
        if fail:
            raise RuntimeError("the handler failed")


async def main(url: str, fail: bool) -> None:
    storage = Storage(Database(url), Keyring(SECRET.encode()))
    try:
        await queue_reply(storage, fail)
    except RuntimeError:
        pass
    finally:
        await storage.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], "--fail" in sys.argv[2:]))
