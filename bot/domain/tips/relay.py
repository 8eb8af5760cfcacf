"""The anonymous two-way dialogue between the police working a tip and its tipster.

Officers write in their group; the tipster reads it in the bot's private chat, labelled as
from the unit ("Công an Phường Bến Thành"), never with the officer's name unless the service
is configured to sign. The tipster answers by replying; the answer comes back into the tip's
thread. Media go by copyMessage both ways (never forwarded, so no "forwarded from" header
names anyone), and nothing of the tipster but the words and media they chose to send reaches
the group.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.i18n import t
from bot.core.telegram_text import TEXT_LIMIT as TELEGRAM_TEXT_LIMIT
from bot.core.telegram_text import continued
from bot.domain.tips.intake import tipster_destination
from bot.domain.tips.threads import Place, places, subject_of, working_units
from bot.domain.use_case import UseCase
from storage.outbox import AnswerQueue, RelayQueue
from storage.tips.models import Tip
from storage.units.models import Officer, PoliceUnit
from storage.uow import UnitOfWork

# A relayed text is as long as Telegram lets a person write; what does not fit in one message
# around the label continues in numbered messages.
TEXT_LIMIT = TELEGRAM_TEXT_LIMIT


@dataclass(frozen=True, slots=True)
class Content:
    """A message to pass on: its text, or (``text`` None) media to copy from its chat."""

    from_chat_id: int
    message_id: int
    text: str | None


def relayed(tip: Tip, frame: Callable[[str], str], text: str, language: str) -> list[str]:
    """A relayed text inside its frame, continued in numbered messages when it is long."""

    def label(number: int, total: int) -> str:
        return t("dialogue.continued", language, code=tip.code, number=number, total=total)

    return continued(frame, html.escape(text), label)


@dataclass(frozen=True, slots=True)
class Writer:
    """Who writes to a tipster: an officer and the unit they write for (which labels the
    message), or (``unit`` None) an administrator for a tip that reached no unit, labelled as
    from the administrators."""

    officer: Officer | None
    unit: PoliceUnit | None
    user_id: int = 0
    admin_name: str = ""

    def signer(self, language: str) -> str:
        """The name the tipster sees, not yet escaped."""
        return self.unit.name if self.unit is not None else t("adminrelay.admins", language)

    @property
    def person(self) -> str:
        """The writer's own name, shown only when the service signs relayed messages."""
        return self.officer.display_name if self.officer is not None else self.admin_name

    @property
    def audit(self) -> str:
        return f"officer:{self.officer.id}" if self.officer is not None else f"admin:{self.user_id}"


async def writer_for(uow: UnitOfWork, tip: Tip, user_id: int) -> Writer | None:
    """The officer ``user_id`` may write to the tip's tipster: an officer of the tip's unit,
    or of its province's unit (which the tip may be escalated to). None for anyone else."""
    for unit_id in sorted(await working_units(uow, tip), key=lambda u: u != tip.unit_id):
        officer = await uow.officers.of_unit(unit_id, user_id)
        unit = await uow.units.get(unit_id) if officer is not None else None
        if officer is not None and unit is not None:
            return Writer(officer, unit, user_id)
    return None


def admin_writer(tip: Tip, user_id: int, name: str, admin_ids: frozenset[int]) -> Writer | None:
    """An administrator may write to the tipster of a tip that reached no unit (its card went
    to the administrators); a tip that has a unit is its officers' to work."""
    if user_id not in admin_ids or tip.unit_id is not None:
        return None
    return Writer(None, None, user_id, name)


async def to_tipster(case: UseCase, tip: Tip, writer: Writer, content: Content) -> None:
    """Pass an officer's (or administrator's) message to the tipster, in the tipster's
    language, labelled with the unit's name (or the administrators'), and with the writer's
    own name only when the service is set to sign (``relay_officer_name``); record it in the
    tip's history (not its words)."""
    assert tip.id is not None
    uow, now, signed = case.uow, case.now, case.settings.relay_officer_name
    language = tip.tipster_language
    unit, code = html.escape(writer.signer(language)), tip.code
    if signed and writer.person:
        officer = html.escape(writer.person)
        key = "dialogue.to_tipster_signed" if writer.officer else "adminrelay.to_tipster_signed"
        label = t(key, language, unit=unit, officer=officer, code=code)
    else:
        label = t("dialogue.to_tipster", language, unit=unit, code=code)
    hint = t("dialogue.reply_hint", language)
    destination = tipster_destination(tip, case.keyring)
    queue: RelayQueue = {"source_update_id": case.source_update_id, "purpose": "tip.relay"}
    subject = subject_of(tip)
    if content.text is not None:
        texts = relayed(tip, lambda part: f"{label}\n\n{part}\n\n{hint}", content.text, language)
        for text in texts:
            params = {"text": text, "parse_mode": "HTML"}
            await uow.outbox.enqueue(
                destination, "sendMessage", params, now, subject=subject, **queue
            )
    else:
        params = {"text": f"{label}\n\n{hint}", "parse_mode": "HTML"}
        await uow.outbox.enqueue(destination, "sendMessage", params, now, subject=subject, **queue)
        await uow.outbox.enqueue(
            destination,
            "copyMessage",
            {"from_chat_id": content.from_chat_id, "message_id": content.message_id},
            now,
            subject=subject,
            **queue,
        )
    await uow.tips.record(tip.id, "asked", writer.audit, now)


async def to_police(case: UseCase, tip: Tip, content: Content, label: str) -> list[Place]:
    """Pass the tipster's message into the tip's thread in every group working it, as
    "tip.answer" so that officers can reply to it (any of its parts) in turn. ``label`` is
    already formatted, in the police's language."""
    uow, now, language, source_update_id = case.uow, case.now, case.language, case.source_update_id
    targets = await places(uow, case.keyring, tip, case.admin_ids)
    subject = subject_of(tip)
    for place in targets:
        queue: AnswerQueue = {
            "refers_to": place.refers_to,
            "source_update_id": source_update_id,
            "purpose": "tip.answer",
            "subject": subject,
        }
        if content.text is not None:
            for text in relayed(tip, lambda part: f"{label}\n{part}", content.text, language):
                params = {"text": text, "parse_mode": "HTML"}
                await uow.outbox.enqueue(place.destination, "sendMessage", params, now, **queue)
        else:
            params = {"text": label, "parse_mode": "HTML"}
            await uow.outbox.enqueue(place.destination, "sendMessage", params, now, **queue)
            await uow.outbox.enqueue(
                place.destination,
                "copyMessage",
                {"from_chat_id": content.from_chat_id, "message_id": content.message_id},
                now,
                **queue,
            )
    return targets


async def answer(case: UseCase, tip: Tip, content: Content) -> None:
    """The tipster answers the police: into the tip's thread, where officers can reply to it;
    recorded in the tip's history (not its words)."""
    assert tip.id is not None
    label = t("dialogue.answer_card", case.language, code=tip.code)
    await to_police(case, tip, content, label)
    await case.uow.tips.record(tip.id, "answered", "tipster", case.now)


async def add_information(case: UseCase, tip: Tip, content: Content) -> None:
    """The tipster adds information to their tip (Follow up → Add information): passed into
    the tip's thread unless the tip is held for review (then it stays with the tip, shown to
    nobody yet); recorded in the tip's history with its words."""
    if not tip.held:
        label = html.escape(t("follow.info_card", case.language, code=tip.code))
        await to_police(case, tip, content, label)
    await case.uow.tips.record(tip.id or 0, "info_added", "tipster", case.now, content.text)
