"""A handler that fails is retried, and in the end the person is told; nothing is half-done."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.core.clock import FrozenClock
from bot.runtime.context import TinbaoContext
from bot.runtime.dispatcher import RETRY_DELAYS
from bot.runtime.service import Service
from handlers import register
from sandbox.server import SandboxServer
from storage.models import InboxStatus
from storage.uow import Storage
from tests.support.service import settings_for


class FailingHandler:
    """Queues a reply, then fails: the reply must not survive the rollback."""

    def __init__(self) -> None:
        self.attempts: list[int] = []
        self.attempted = asyncio.Event()

    async def __call__(self, update: Update, context: TinbaoContext) -> None:
        self.attempts.append(context.work.update_id)
        self.attempted.set()
        await context.reply(update, "half-done")
        raise RuntimeError("boom")

    async def next_attempt(self) -> None:
        await asyncio.wait_for(self.attempted.wait(), timeout=15)
        self.attempted.clear()


async def test_a_failing_update_is_retried_then_answered_with_an_apology(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    failing = FailingHandler()

    def register_with_failure(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        application.add_handler(CommandHandler("boom", failing))
        register(application)

    clock = FrozenClock()
    user = await sandbox.client.create_user(first_name="Lan", language_code="vi")
    service = Service(settings_for(sandbox, database_url), register_with_failure, clock)
    await service.start()
    try:
        sent = await sandbox.client.send_text(user["id"], user["id"], "/boom")
        await sandbox.client.send_text(user["id"], user["id"], "/help")
        for delay in RETRY_DELAYS:
            await failing.next_attempt()
            await service.dispatcher.drained()  # the failure is recorded with its retry time
            clock.advance(delay)
            service.dispatcher.wake()
        await failing.next_attempt()
        messages = await sandbox.client.wait_for_bot_messages(user["id"], 2, timeout=15)
    finally:
        await service.stop()
    assert failing.attempts == [sent["update_id"]] * (len(RETRY_DELAYS) + 1)
    assert "lỗi" in messages[0]["text"]
    assert "Hướng dẫn" in messages[1]["text"], "the next update waited for the failed one"
    assert all(m["text"] != "half-done" for m in messages)
    async with storage.transaction() as uow:
        assert await uow.inbox.counts() == {InboxStatus.DEAD: 1, InboxStatus.DONE: 1}
