"""The running service: poller, inbox workers, outbox sender and scheduler, started and stopped
together."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ContextTypes
from telegram.request import HTTPXRequest

from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.domain.communes import CommuneDirectory
from bot.domain.dead_letters import PostOffice
from bot.domain.tip_clocks import TipClockPolicy
from bot.i18n import LANGUAGES, t
from bot.runtime.context import Services, TinbaoContext, install
from bot.runtime.dispatcher import InboxDispatcher
from bot.runtime.limits import RateSettings, SendLimits
from bot.runtime.poller import ALLOWED_UPDATES, Poller
from bot.runtime.sender import OutboxSender
from bot.runtime.webhook import webhook_app
from bot.security import Keyring
from scheduler import JobEnv, build_scheduler
from scheduler.env import settle as settle_jobs
from storage.db import Database
from storage.leadership import Leadership
from storage.schema import ensure_current
from storage.uow import Storage

log = logging.getLogger(__name__)

LEADERSHIP_RETRY = 5.0
MENU_COMMANDS = ("start", "help", "language", "subscribe", "unsubscribe")
GROUP_COMMANDS = ("queue", "tip", "help")  # what officers use in their police group
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
        self.services = Services(
            settings=settings,
            keyring=keyring,
            default_language=settings.language,
            directory=CommuneDirectory.load(),
            admin_ids=frozenset(settings.admin_ids),
            draft_ttl=timedelta(hours=settings.draft_ttl_hours),
            tips_per_hour=settings.tips_per_hour,
            tip_clocks=TipClockPolicy.from_settings(settings),
        )
        install(self.application, self.services)
        self._register(self.application)
        await self._publish_commands()
        bot = self.application.bot
        self.sender = OutboxSender(
            bot,
            self.storage,
            SendLimits(
                RateSettings(
                    settings.global_rate,
                    settings.private_chat_rate,
                    settings.group_rate_per_minute,
                    settings.paid_broadcast_rate if settings.allow_paid_broadcast else None,
                )
            ),
            self.clock,
            office=PostOffice(
                keyring,
                self.services.directory,
                self.services.tip_clocks,
                settings.language,
                self.services.admin_ids,
            ),
        )
        self.dispatcher = InboxDispatcher(
            self.storage, self.application, self.clock, settings.workers, self.sender.wake
        )
        self.leadership = Leadership(database)
        self.scheduler = build_scheduler(JobEnv(self.storage, self.clock, self.services, settings))
        self.scheduler.start()
        intake = await self._start_intake()
        for name, coro in (
            *intake,
            ("dispatcher", self.dispatcher.run()),
            ("sender", self._lead_then_send()),
        ):
            task = asyncio.create_task(coro, name=name)
            task.add_done_callback(self._on_task_done)
            self._tasks.append(task)
        log.info("tinbao started as @%s", bot.username)
        if not settings.admin_ids:
            log.warning(
                "TINBAO_ADMIN_IDS is empty: tips from communes with no police unit (and no "
                "province unit) are stored but reach nobody until an administrator is set"
            )

    async def _publish_commands(self) -> None:
        """The command menu Telegram shows, in Vietnamese by default and in English for English
        clients. Idempotent, so every start simply sets it again."""
        menus: tuple[tuple[tuple[str, ...], dict[str, Any] | None], ...] = (
            (MENU_COMMANDS, None),
            (GROUP_COMMANDS, {"type": "all_group_chats"}),
        )
        for names, scope in menus:
            for language in LANGUAGES:
                commands = [
                    {"command": name, "description": t(f"commands.{name}", language)}
                    for name in names
                ]
                params: dict[str, Any] = {"commands": commands}
                if scope is not None:
                    params["scope"] = scope
                if language != self.settings.language:
                    params["language_code"] = language
                await self.application.bot.do_api_request("setMyCommands", api_kwargs=params)

    async def _lead_then_send(self) -> None:
        """Wait to become the one sender, requeue what a dead leader left, then send."""
        # Another process holds the lock; only polling can tell when it is gone.
        while not await self.leadership.try_acquire():  # noqa: ASYNC110
            await asyncio.sleep(LEADERSHIP_RETRY)
        released = await self.sender.recover()
        if released:
            log.info("requeued %d calls left in flight by a stopped process", released)
        await self.sender.run()

    async def _start_intake(self) -> list[tuple[str, Coroutine[Any, Any, None]]]:
        """Long polling by default; a webhook server when TINBAO_WEBHOOK_URL is set."""
        settings, bot = self.settings, self.application.bot
        self.poller: Poller | None = None
        self._webhook: web.AppRunner | None = None
        if settings.webhook_url is None:
            await bot.do_api_request("deleteWebhook", api_kwargs={"drop_pending_updates": False})
            self.poller = Poller(
                bot, self.storage, self.clock, self.dispatcher.wake, settings.poll_timeout
            )
            return [("poller", self.poller.run())]
        secret = self.storage.keyring.pseudonym("webhook", "secret")
        app = webhook_app(
            self.storage,
            self.clock,
            secret,
            urlsplit(settings.webhook_url).path or "/",
            self.dispatcher.wake,
        )
        self._webhook = web.AppRunner(app, access_log=None)
        await self._webhook.setup()
        await web.TCPSite(self._webhook, settings.webhook_listen, settings.webhook_port).start()
        await bot.do_api_request(
            "setWebhook",
            api_kwargs={
                "url": settings.webhook_url,
                "secret_token": secret,
                "allowed_updates": ALLOWED_UPDATES,
                "max_connections": 40,
            },
        )
        return []

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
        if self._webhook is not None:
            await self._webhook.cleanup()
        polling = [task for task in self._tasks if task.get_name() == "poller"]
        if self.poller is not None:
            self.poller.stop()
            for task in polling:
                task.cancel()
            await asyncio.gather(*polling, return_exceptions=True)
        await self.dispatcher.stop()
        await self.sender.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.poller is not None:
            await self.poller.confirm()
        self.scheduler.shutdown(wait=False)
        await settle_jobs()
        await self.application.shutdown()
        await self.leadership.release()
        await self.storage.close()
        log.info("stopped")


async def run_until_signalled(service: Service) -> None:
    """Serve a started service until SIGTERM or SIGINT, then stop it gracefully."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, service.request_stop)
    try:
        await service.wait()
    finally:
        await service.stop()


async def serve(settings: Settings, register: Registrar) -> None:
    service = Service(settings, register)
    await service.start()
    await run_until_signalled(service)
