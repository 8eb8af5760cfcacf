"""What each tip clock does when it runs out (the deadlines themselves: tip_clocks).

- ``realert``: the unit is reminded that nobody acknowledged the tip.
- ``escalate``: the province unit gets a card in its group (its officers may then work the
  tip) and the unit is told.
- ``receipt_notice``: on the last working day to tell the tipster of receipt, the unit is
  reminded.
- ``verify_<day>``: on the reminder days of the verification deadline, the unit is reminded.

A clock fires once per receipt of the tip by a unit (creation, or a transfer): the caller
claims it in ``tip_clock`` in the same transaction as the messages it queues.
"""

from __future__ import annotations

import html
from datetime import datetime

from bot.core.i18n import t
from bot.domain.tips.clocks import LOCAL, TipClockPolicy, TipDeadlines, deadlines
from bot.domain.tips.notices import (
    card_keyboard,
    card_messages,
    card_view,
    local_time,
    queue_continuations,
    unit_name,
)
from bot.domain.tips.schedule import clocks_of, received_at
from bot.domain.tips.threads import group_of, open_thread, places, subject_of
from bot.domain.use_case import UseCase
from storage.models import OutboxStatus
from storage.outbox import Destination, ThreadQueue
from storage.tips.models import Tip
from storage.units.models import PoliceUnit


def due_clocks(policy: TipClockPolicy, tip: Tip, now: datetime) -> list[str]:
    """The clocks of ``tip`` that have run out at ``now``, fired or not."""
    return [clock for clock, at in clocks_of(policy, tip) if now >= at]


def minutes(delta_seconds: float) -> int:
    return round(delta_seconds / 60)


async def fire(case: UseCase, tip: Tip, clock: str) -> None:
    """Queue what ``clock`` says about ``tip``, into the tip's thread in each group working it."""
    uow, policy, language = case.uow, case.clocks, case.language
    due = deadlines(policy, received_at(tip), tip.urgent)
    code = tip.code
    targets = await places(uow, case.keyring, tip, case.admin_ids)  # before the escalation
    if clock == "realert":
        wait = (due.realert_at - due.received_at).total_seconds()
        text = t("clock.realert", language, code=code, minutes=minutes(wait))
    elif clock == "escalate":
        escalated = await escalate(case, tip, due)
        if escalated is None:
            return
        text = escalated
    elif clock == "receipt_notice":
        text = t(
            "clock.receipt_notice",
            language,
            code=code,
            date=due.receipt_notice_by.astimezone(LOCAL).strftime("%d/%m/%Y"),
            days=policy.receipt_notice_working_days,
        )
    else:
        text = t(
            "clock.verify_reminder",
            language,
            code=code,
            day=clock.removeprefix("verify_"),
            deadline=local_time(due.verify_by),
            days=policy.verify_days,
        )
    for place in targets:
        await uow.outbox.enqueue(
            place.destination,
            "sendMessage",
            {"text": text, "parse_mode": "HTML"},
            case.now,
            refers_to=place.refers_to,
            purpose="tip.clock",
            subject=subject_of(tip),
        )


async def escalate(case: UseCase, tip: Tip, due: TipDeadlines) -> str | None:
    """Give the province unit its own card of the tip (with the location and copies of the
    media its unit received); return the notice for the unit. With no province unit above the
    tip's unit, the administrators are alerted instead; None when nobody is above."""
    assert tip.id is not None
    uow, keyring, language, now = case.uow, case.keyring, case.language, case.now
    province = await uow.units.for_province(tip.province_code)
    unit = await uow.units.get(tip.unit_id) if tip.unit_id is not None else None
    wait = minutes((due.escalate_at - due.received_at).total_seconds())
    if province is None or province.id is None or province.id == tip.unit_id:
        return await escalate_to_admins(case, tip, unit, wait)
    header = t(
        "clock.escalated_header",
        language,
        unit=html.escape(unit_name(unit, language)),
        minutes=wait,
    )
    view = await card_view(uow, tip, case.clocks)
    text, *more = card_messages(tip, case.directory, language, view, header=header)
    card = {
        "text": text,
        "parse_mode": "HTML",
        "reply_markup": card_keyboard(tip, language),
    }
    destination = group_of(province, keyring)
    _, under = await open_thread(case, tip, province, destination, card)
    await queue_continuations(case, tip, destination, more, under)
    queue: ThreadQueue = {"refers_to": under, "subject": subject_of(tip)}
    if tip.latitude is not None and tip.longitude is not None:
        location = {"latitude": tip.latitude, "longitude": tip.longitude}
        await uow.outbox.enqueue(
            destination, "sendLocation", location, now, purpose="tip.location", **queue
        )
    if unit is not None:
        await copy_media(case, tip, unit, province, under)
    await uow.tips.record(tip.id, "escalated", "clock", now)
    return t(
        "clock.escalated_notice",
        language,
        code=tip.code,
        minutes=wait,
        province=html.escape(province.name),
    )


async def escalate_to_admins(
    case: UseCase, tip: Tip, unit: PoliceUnit | None, wait: int
) -> str | None:
    """No province unit above: every administrator is alerted in private, so a tip nobody
    acknowledges still reaches someone who can call the unit. A tip that reached no unit is
    already the administrators' (they had its card and the re-alert): nothing more to say."""
    uow, keyring, language, now = case.uow, case.keyring, case.language, case.now
    admin_ids = case.admin_ids
    if unit is None or not admin_ids:
        return None
    assert tip.id is not None
    alert = t(
        "clock.escalated_admins_alert",
        language,
        code=tip.code,
        unit=html.escape(unit.name),
        minutes=wait,
        urgent=t("clock.urgent_mark", language) if tip.urgent else "",
    )
    for admin in sorted(admin_ids):
        await uow.outbox.enqueue(
            Destination(admin, "private", keyring.pseudonym("chat", admin)),
            "sendMessage",
            {"text": alert, "parse_mode": "HTML"},
            now,
            purpose="tip.clock",
            subject=subject_of(tip),
        )
    await uow.tips.record(tip.id, "escalated", "clock", now)
    return t("clock.escalated_admins_notice", language, code=tip.code, minutes=wait)


async def copy_media(
    case: UseCase, tip: Tip, unit: PoliceUnit, province: PoliceUnit, under: int
) -> None:
    """The tipster's media as the unit's group got them, copied on (never forwarded): the
    tipster's own chat is not touched again."""
    uow, keyring, now = case.uow, case.keyring, case.now
    source = group_of(unit, keyring)
    sent = await uow.outbox.sent_in(source.lane, subject_of(tip), "tip.attachment")
    for message_id, status in sent:
        if status == OutboxStatus.SENT and message_id is not None:
            await uow.outbox.enqueue(
                group_of(province, keyring),
                "copyMessage",
                {"from_chat_id": unit.chat_id, "message_id": message_id},
                now,
                refers_to=under,
                purpose="tip.attachment",
                subject=subject_of(tip),
            )
