"""The running service: poller, inbox workers, outbox sender and scheduler, started and stopped
together."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any

from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ContextTypes
from telegram.request import HTTPXRequest

from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.runtime.context import Services, TinbaoContext, install
from bot.runtime.dispatcher import InboxDispatcher
from bot.runtime.limits import RateSettings, SendLimits
from bot.runtime.poller import Poller
from bot.runtime.sender import OutboxSender
from bot.security import Keyring
from scheduler import build_scheduler
from storage.db import Database
from storage.schema import ensure_current
from storage.uow import Storage

log = logging.getLogger(__name__)

Registrar = Callable[[Application[Any, Any, Any, Any, Any, Any]], None]


def build_application(settings: Settings) -> Application[Any, Any, Any, Any, Any, Any]:
    """python-telegram-bot's Application, pointed at the configured Bot API server and fed by
    our inbox rather than its own Updater."""
    root = settings.telegram_api_url
    return (
        Application.builder()
        .token(settings.token())
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .request(HTTPXRequest(connection_pool_size=128, read_timeout=20, connect_timeout=10))
        .get_updates_request(HTTPXRequest(connection_pool_size=2, read_timeout=60))
        .updater(None)
        .context_types(ContextTypes(context=TinbaoContext))
        .build()
    )


class Service:
    def __init__(self, settings: Settings, register: Registrar, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or Clock()
        self._register = register
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = asyncio.Event()

    async def start(self) -> None:
        settings = self.settings
        keyring = Keyring(settings.secret())
        database = Database(settings.database_url)
        await ensure_current(database)
        self.storage = Storage(database, keyring)
        self.application = build_application(settings)
        try:
            await self.application.initialize()
        except InvalidToken:
            raise ConfigError("TINBAO_BOT_TOKEN was refused by the Bot API server") from None
        except NetworkError as exc:
            raise ConfigError(
                f"cannot reach the Bot API at TINBAO_TELEGRAM_API_URL={settings.telegram_api_url}"
                f" ({type(exc).__name__})"
            ) from None
        install(
            self.application,
            Services(
                keyring=keyring,
                default_language=settings.language,
                admin_ids=frozenset(settings.admin_ids),
            ),
        )
        self._register(self.application)
        bot = self.application.bot
        self.sender = OutboxSender(
            bot,
            self.storage,
            SendLimits(
                RateSettings(
                    settings.global_rate, settings.private_chat_rate, settings.group_rate_per_minute
                )
            ),
            self.clock,
        )
        self.dispatcher = InboxDispatcher(
            self.storage, self.application, self.clock, settings.workers, self.sender.wake
        )
        self.poller = Poller(
            bot, self.storage, self.clock, self.dispatcher.wake, settings.poll_timeout
        )
        await self.sender.recover(single_process=settings.is_sqlite)
        self.scheduler = build_scheduler(self.storage, self.clock)
        self.scheduler.start()
        for name, coro in (
            ("poller", self.poller.run()),
            ("dispatcher", self.dispatcher.run()),
            ("sender", self.sender.run()),
        ):
            task = asyncio.create_task(coro, name=name)
            task.add_done_callback(self._on_task_done)
            self._tasks.append(task)
        log.info("tinbao started as @%s", bot.username)

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s stopped: %s", task.get_name(), type(task.exception()).__name__)
            self._stopped.set()

    def request_stop(self) -> None:
        self._stopped.set()

    async def wait(self) -> None:
        await self._stopped.wait()

    async def stop(self) -> None:
        """Finish the work in flight, stop polling, close the database."""
        log.info("stopping")
        self.poller.stop()
        poller_task = self._tasks[0]
        poller_task.cancel()
        await asyncio.gather(poller_task, return_exceptions=True)
        await self.dispatcher.stop()
        await self.sender.stop()
        for task in self._tasks[1:]:
            task.cancel()
        await asyncio.gather(*self._tasks[1:], return_exceptions=True)
        await self.poller.confirm()
        self.scheduler.shutdown(wait=False)
        await self.application.shutdown()
        await self.storage.close()
        log.info("stopped")


async def serve(settings: Settings, register: Registrar) -> None:
    """Run until SIGTERM or SIGINT, then stop gracefully."""
    service = Service(settings, register)
    await service.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, service.request_stop)
    try:
        await service.wait()
    finally:
        await service.stop()
