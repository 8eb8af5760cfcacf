"""What a handler works with while one update is handled.

The inbox worker opens the transaction, then lets python-telegram-bot dispatch the update. The
handler reaches that same transaction through ``context.work``; whatever it changes and
whatever it queues in the outbox commits together with the update being marked done.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import Chat, Message, Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.i18n import normalize_language
from bot.core.keyring import Keyring
from bot.domain.services import Services
from bot.domain.use_case import UseCase
from storage.outbox import Destination, SentMessage
from storage.uow import UnitOfWork


@dataclass(slots=True)
class UpdateWork:
    """The update being handled, inside its transaction."""

    uow: UnitOfWork
    update_id: int
    lane: str
    now: datetime
    error: BaseException | None = field(default=None)
    attempts: int = 0  # times it was tried before (failed or deferred)


# A reply to a message the sender has delivered but not yet recorded is handled again after
# DEFER_DELAY, at most DEFERRALS times (see ``TinbaoContext.replied_to``).
DEFER_DELAY = timedelta(seconds=0.25)
DEFERRALS = 3


class UpdateDeferred(Exception):
    """The update depends on what another transaction is about to commit: the inbox worker
    rolls its transaction back and handles it again after ``DEFER_DELAY``."""


_current: ContextVar[UpdateWork] = ContextVar("tinbao_update_work")


def begin_work(work: UpdateWork) -> Token[UpdateWork]:
    return _current.set(work)


def end_work(token: Token[UpdateWork]) -> None:
    _current.reset(token)


def current_work() -> UpdateWork:
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError("no update is being handled in this task") from None


SERVICES_KEY = "tinbao.services"


def destination(chat: Chat, keyring: Keyring) -> Destination:
    return Destination(
        chat_id=chat.id, chat_kind=chat.type, lane=keyring.pseudonym("chat", chat.id)
    )


class TinbaoContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext plus the unit of work and the outbox, for handlers."""

    @property
    def work(self) -> UpdateWork:
        return current_work()

    @property
    def uow(self) -> UnitOfWork:
        return current_work().uow

    async def replied_to(self, message: Message) -> SentMessage | None:
        """What the bot's message that ``message`` replies to was sent for; None when it
        replies to no message of the bot's sent through the outbox.

        The sender records a message's id in a transaction of its own once Telegram has
        accepted it, so a quick reply (or one another worker takes) can arrive before that
        record commits. While a call of this chat is still in flight, the update is deferred
        (``UpdateDeferred``) rather than answered as a reply to nothing, at most ``DEFERRALS``
        times: a record that never commits still gets the person an answer."""
        replied = message.reply_to_message
        if replied is None:
            return None
        work = self.work
        sent = await work.uow.outbox.sent_about(work.lane, replied.message_id)
        if (
            sent is None
            and replied.from_user is not None
            and replied.from_user.id == self.bot.id
            and work.attempts < DEFERRALS
            and await work.uow.outbox.in_flight(work.lane)
        ):
            raise UpdateDeferred
        return sent

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES_KEY]

    @property
    def use_case(self) -> UseCase:
        """What a domain use case needs to act for this update, in its transaction."""
        work = self.work
        return UseCase(self.services, work.uow, work.now, work.update_id)

    async def language(self, update: Update) -> str:
        """The chat's chosen language, else the user's Telegram language, else the default."""
        chosen = await self.uow.chats.language(self.work.lane)
        if chosen:
            return chosen
        user = update.effective_user
        return normalize_language(
            user.language_code if user else None, self.services.default_language
        )

    async def send(self, chat: Chat, method: str, params: dict[str, Any], **queue: Any) -> int:
        """Queue a Bot API call for ``chat`` in the outbox; returns the outbox row id."""
        work = self.work
        return await work.uow.outbox.enqueue(
            destination(chat, self.services.keyring),
            method,
            params,
            work.now,
            source_update_id=work.update_id,
            **queue,
        )

    async def answer(self, update: Update, text: str | None = None, alert: bool = False) -> None:
        """Answer the pressed button. Each answer gets a lane of its own, so it is never stuck
        behind the chat's queued messages: Telegram expects it within seconds."""
        query = update.callback_query
        if query is None:
            return
        params: dict[str, Any] = {"callback_query_id": query.id}
        if text:
            params.update(text=text[:200], show_alert=alert)
        keyring = self.services.keyring
        lane = Destination(0, "callback", keyring.pseudonym("callback", query.id))
        await self.uow.outbox.enqueue(
            lane, "answerCallbackQuery", params, self.work.now, source_update_id=self.work.update_id
        )

    async def reply(self, update: Update, text: str, **params: Any) -> int:
        """Queue a text message to the chat the update came from."""
        chat = update.effective_chat
        if chat is None:
            raise RuntimeError("this update has no chat to reply to")
        params.setdefault("parse_mode", "HTML")
        return await self.send(chat, "sendMessage", {"text": text, **params})


def install(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    application.bot_data[SERVICES_KEY] = services
