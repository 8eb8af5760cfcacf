"""The running service: poller, inbox workers, outbox sender and scheduler, started and stopped
together.

Each background task either rides out what fails around it (Telegram's errors, the database
going away) or, when it cannot, takes the whole service down with one line naming it and a
non-zero exit status, so a supervisor restarts it. Start-up retries Telegram's passing errors;
a refused token stops it with one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from telegram.error import InvalidToken
from telegram.ext import Application, ContextTypes

from bot.core.clock import Clock
from bot.core.i18n import LANGUAGES, t
from bot.core.keyring import Keyring
from bot.core.logs import frames
from bot.core.settings import Settings
from bot.runtime.chat_check import report_broken_chats
from bot.runtime.context import Services, TinbaoContext, install
from bot.runtime.dispatcher import InboxDispatcher
from bot.runtime.leading import lead
from bot.runtime.limits import RateSettings, SendLimits
from bot.runtime.metrics import add_metrics
from bot.runtime.poller import ALLOWED_UPDATES, Poller
from bot.runtime.sender import OutboxSender
from bot.runtime.startup import at_start
from bot.runtime.telegram_http import AiohttpRequest
from bot.runtime.webhook import webhook_app
from scheduler import JobEnv, build_scheduler
from scheduler.job_context import settle as settle_jobs
from storage.db import Database, is_unavailable
from storage.process_locks import POLLER, SENDER, Leadership, Presence
from storage.schema import ensure_current
from storage.uow import Storage

log = logging.getLogger(__name__)

STOP_GRACE = 8.0  # seconds stopping may take before what is left is cut off
PRESENCE_CHECK = 30.0  # seconds between checks that a restore still sees this service
MENU_COMMANDS = ("start", "help", "language", "subscribe", "unsubscribe")
# What officers use in their police group.
GROUP_COMMANDS = ("queue", "tip", "find", "stats", "help")
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
        .request(AiohttpRequest(connection_pool_size=128, read_timeout=20, connect_timeout=10))
        .get_updates_request(AiohttpRequest(connection_pool_size=2, read_timeout=60))
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
        self._stopping = False
        self.poller: Poller | None = None
        self._webhook: web.AppRunner | None = None
        self._sender_terms = 0
        self.exit_status = 0

    async def start(self) -> None:
        settings = self.settings
        keyring = Keyring(settings.secret())
        database = Database(settings.database_url)
        await ensure_current(database)
        self.presence = Presence(database)  # tells `tinbao restore` a service runs here
        await self.presence.hold()
        try:
            await self._serve(database, keyring)
        except BaseException:
            # A start that fails (a refused token, a Bot API that never answers) lets go of
            # what it holds: the Bot API client's connections, the presence lock's
            # connection, then the pool.
            application = getattr(self, "application", None)
            if application is not None:
                with contextlib.suppress(Exception):
                    await application.bot.shutdown()
            await self.presence.release()
            await database.close()
            raise

    async def _serve(self, database: Database, keyring: Keyring) -> None:
        settings = self.settings
        self.storage = Storage(database, keyring)
        self.application = build_application(settings)
        await self._telegram("getMe", self.application.initialize)
        self.services = Services.from_settings(settings, keyring)
        install(self.application, self.services)
        self._register(self.application)
        await self._publish_commands()
        bot = self.application.bot
        # Before the sender: it is its fence; it wakes it for calls other processes queued.
        self.leadership = Leadership(database, SENDER, on_notice=self._wake_sender)
        self.sender = self._new_sender()
        self.dispatcher = InboxDispatcher(
            self.storage, self.application, self.clock, settings.workers, self._wake_sender
        )
        self.polling = Leadership(database, POLLER)
        self.scheduler = build_scheduler(JobEnv(self.storage, self.clock, self.services, settings))
        self.scheduler.add_listener(self._on_job_error, EVENT_JOB_ERROR)
        self.scheduler.start()
        intake = await self._start_intake()
        health = database.health
        for name, coro in (
            *intake,
            ("dispatcher", self.dispatcher.run()),
            (
                "sender",
                lead(self.leadership, self._send_term, self._halt_sender, self._stopped, health),
            ),
            ("presence", self._keep_present()),
        ):
            task = asyncio.create_task(coro, name=name)
            task.add_done_callback(self._on_task_done)
            self._tasks.append(task)
        # Reported in the background: a broken group is worth a warning, never a late start.
        self.chats_checked = asyncio.create_task(
            report_broken_chats(bot, self.storage), name="chat check"
        )
        self.chats_checked.add_done_callback(_log_check_failure)
        log.info("tinbao started as @%s", bot.username)
        if not settings.admin_ids:
            log.warning(
                "TINBAO_ADMIN_IDS is empty: tips from communes with no police unit (and no "
                "province unit) are stored but reach nobody until an administrator is set"
            )

    async def _keep_present(self) -> None:
        """Check now and then that the presence lock survived the database (see Presence)."""
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), PRESENCE_CHECK)
            if self._stopping:
                return
            try:
                await self.presence.keep()
            except Exception as error:
                if not is_unavailable(error):
                    raise

    async def _telegram(self, what: str, call: Callable[[], Awaitable[Any]]) -> Any:
        return await at_start(what, call, self.settings.telegram_api_url)

    def _new_sender(self) -> OutboxSender:
        settings = self.settings
        return OutboxSender(
            self.application.bot,
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
            services=self.services,
            fence=self.leadership.still_held,
        )

    def _wake_sender(self) -> None:
        self.sender.wake()

    async def _publish_commands(self) -> None:
        """The command menu Telegram shows, in Vietnamese by default and in English for English
        clients. Idempotent, so every start simply sets it again."""
        menus: tuple[tuple[tuple[str, ...], dict[str, Any] | None], ...] = (
            (MENU_COMMANDS, None),
            (GROUP_COMMANDS, {"type": "all_group_chats"}),
        )
        set_commands = partial(self.application.bot.do_api_request, "setMyCommands")
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
                await self._telegram("setMyCommands", partial(set_commands, api_kwargs=params))

    async def _send_term(self) -> None:
        """As the one sender: requeue what a dead leader left, then send. A later term (after
        the lock was lost with the database) starts with a fresh sender."""
        if self._sender_terms:
            self.sender = self._new_sender()
        self._sender_terms += 1
        released = await self.sender.recover()
        if released:
            log.info("requeued %d calls left in flight by a stopped process", released)
        await self.sender.run()

    async def _halt_sender(self) -> None:
        await self.sender.stop()

    async def _poll_term(self) -> None:
        """As the one poller: long polling until stopped."""
        self.poller = Poller(
            self.application.bot,
            self.storage,
            self.clock,
            self.dispatcher.offer,
            self.settings.poll_timeout,
        )
        await self.poller.run()

    async def _halt_poller(self) -> None:
        if self.poller is not None:
            self.poller.stop()
            self.poller = None  # it may confirm nothing more: another instance may poll now

    async def _start_intake(self) -> list[tuple[str, Coroutine[Any, Any, None]]]:
        """Long polling by default; a webhook server when TINBAO_WEBHOOK_URL is set."""
        settings, bot = self.settings, self.application.bot
        if settings.webhook_url is None:
            await self._telegram(
                "deleteWebhook",
                lambda: bot.do_api_request(
                    "deleteWebhook", api_kwargs={"drop_pending_updates": False}
                ),
            )
            health = self.storage.database.health
            polling = lead(self.polling, self._poll_term, self._halt_poller, self._stopped, health)
            return [("poller", polling)]
        secret = self.storage.keyring.pseudonym("webhook", "secret")
        app = webhook_app(
            self.storage,
            self.clock,
            secret,
            urlsplit(settings.webhook_url).path or "/",
            self.dispatcher.offer,
        )
        add_metrics(app, self.storage.database, self.clock)
        self._webhook = web.AppRunner(app, access_log=None)
        await self._webhook.setup()
        await web.TCPSite(self._webhook, settings.webhook_listen, settings.webhook_port).start()
        await self._telegram(
            "setWebhook",
            lambda: bot.do_api_request(
                "setWebhook",
                api_kwargs={
                    "url": settings.webhook_url,
                    "secret_token": secret,
                    "allowed_updates": ALLOWED_UPDATES,
                    "max_connections": 40,
                },
            ),
        )
        return []

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        """A background task ended: unless the service is stopping, that is fatal, and said so."""
        if task.cancelled() or self._stopping:
            return
        error = task.exception()
        name = task.get_name()
        if error is None:
            log.error("the %s ended on its own; tinbao stops", name)
        elif isinstance(error, InvalidToken):
            log.error("the Bot API refused TINBAO_BOT_TOKEN (revoked?); the %s stops tinbao", name)
        else:
            log.error(
                "the %s failed: %s at %s; tinbao stops", name, type(error).__name__, frames(error)
            )
        self.exit_status = 1
        self._stopping = True  # the other tasks now end because of this one: say nothing more
        self._stopped.set()

    def _on_job_error(self, event: JobExecutionEvent) -> None:
        """A scheduled job that failed runs again at its next time; say so once."""
        if is_unavailable(event.exception):
            self.storage.database.health.failed(event.exception, f"scheduled job {event.job_id}")
            return
        log.error(
            "scheduled job %s failed: %s; it runs again at its next time",
            event.job_id,
            type(event.exception).__name__,
        )

    def request_stop(self) -> None:
        self._stopping = True
        self._stopped.set()

    async def wait(self) -> None:
        await self._stopped.wait()

    async def stop(self) -> None:
        """Finish the work in flight, stop polling, close the database — within STOP_GRACE
        seconds even when the database fails; what is unfinished then is safe to redo."""
        log.info("stopping")
        self._stopping = True
        self._stopped.set()
        deadline = asyncio.get_running_loop().time() + STOP_GRACE
        await self._step("webhook", deadline, self._close_webhook())
        if self.poller is not None:
            self.poller.stop()  # ends the long poll; a batch in hand is stored first
        self.chats_checked.cancel()
        await asyncio.gather(self.chats_checked, return_exceptions=True)
        await self._step("dispatcher", deadline, self.dispatcher.stop())
        await self._step("sender", deadline, self.sender.stop())
        # The tasks end by themselves now; cutting one off mid-transaction is the last resort.
        if self._tasks:
            await self._step("background tasks", deadline, asyncio.wait(self._tasks))
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.poller is not None:
            await self._step("poller", deadline, self.poller.confirm())
        self.scheduler.shutdown(wait=False)
        await self._step("scheduled jobs", deadline, settle_jobs())
        await self._step("Bot API client", deadline, self.application.shutdown())
        await self._step("leadership", deadline, self._release_leadership())
        await self.presence.release()
        await self.storage.close()
        log.info("stopped")

    async def _close_webhook(self) -> None:
        if self._webhook is not None:
            await self._webhook.cleanup()

    async def _release_leadership(self) -> None:
        await self.leadership.release()
        await self.polling.release()

    @staticmethod
    async def _step(what: str, deadline: float, step: Coroutine[Any, Any, Any]) -> None:
        left = max(0.1, deadline - asyncio.get_running_loop().time())
        try:
            await asyncio.wait_for(step, timeout=left)
        except TimeoutError:
            log.warning("stopping: the %s did not finish in time; left to the next start", what)


def _log_check_failure(task: asyncio.Task[int]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("checking the units' chats failed: %s", type(task.exception()).__name__)


async def run_until_signalled(service: Service) -> int:
    """Serve a started service until SIGTERM or SIGINT (status 0), or until a background task
    fails (non-zero), then stop it gracefully."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, service.request_stop)
    try:
        await service.wait()
    finally:
        await service.stop()
    return service.exit_status


async def serve(settings: Settings, register: Registrar) -> int:
    """Run ``tinbao run``; returns the process's exit status."""
    service = Service(settings, register)
    await service.start()
    return await run_until_signalled(service)
