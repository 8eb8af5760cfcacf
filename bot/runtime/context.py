"""What a handler works with while one update is handled.

The inbox worker opens the transaction, then lets python-telegram-bot dispatch the update. The
handler reaches that same transaction through ``context.work``; whatever it changes and
whatever it queues in the outbox commits together with the update being marked done.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram import Chat, Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.i18n import normalize_language
from bot.core.keyring import Keyring
from bot.domain.services import Services
from bot.domain.use_case import UseCase
from storage.outbox import Destination
from storage.uow import UnitOfWork


@dataclass(slots=True)
class UpdateWork:
    """The update being handled, inside its transaction."""

    uow: UnitOfWork
    update_id: int
    lane: str
    now: datetime
    error: BaseException | None = field(default=None)


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
