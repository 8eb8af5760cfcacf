"""A patrol member's SOS: one press alerts the team's leaders, the other members on shift and
the unit's group, loudly, with the last known position.

The first leader, member on shift or officer to say "I'm going" owns it and everyone is told
who. Until someone does, ``sweep`` repeats it every ``SOS_REPEAT_SECONDS`` and, after
``SOS_ESCALATE_MINUTES``, sends it once to the province unit's group. The member can cancel it
(a false alarm); the owner closes it with a note. Every step is a conditional update of the
``sos_alert`` row, queued with its messages in one transaction, so a restart resumes the
repeats from the database and two workers never send one twice.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.patrols.buttons import SosAction, SosButton
from bot.domain.patrols.teams import current_location
from bot.domain.patrols.watch import group_chat, language_of, leaders, private_chat
from bot.domain.tips.notices import local_time
from bot.domain.use_case import UseCase
from storage.outbox import Destination
from storage.patrols.models import PatrolMember, PatrolShift, PatrolTeam, SosAlert
from storage.units.models import PoliceUnit
from storage.uow import Storage, UnitOfWork

if TYPE_CHECKING:
    from bot.domain.services import Services

log = logging.getLogger(__name__)

PURPOSE = "patrol.sos"
NOTE_LIMIT = 1000
SWEEP_BATCH = 20  # alerts per transaction of the SOS watch


@dataclass(frozen=True, slots=True)
class Recipient:
    chat: Destination
    language: str


def loud(text: str, keyboard: dict[str, Any] | None = None) -> dict[str, Any]:
    """An alert that rings: never sent silently."""
    params: dict[str, Any] = {"text": text, "parse_mode": "HTML", "disable_notification": False}
    if keyboard is not None:
        params["reply_markup"] = keyboard
    return params


def keyboard(alert: SosAlert, language: str, *actions: SosAction) -> dict[str, Any]:
    assert alert.id is not None
    return {
        "inline_keyboard": [
            [
                {
                    "text": t(f"sos.button_{action.name.lower()}", language),
                    "callback_data": SosButton(action, alert.id).pack(),
                }
            ]
            for action in actions
        ]
    }


def position(alert: SosAlert) -> tuple[float, float] | None:
    if alert.latitude is None or alert.longitude is None:
        return None
    return alert.latitude, alert.longitude


async def recipients(case: UseCase, alert: SosAlert) -> list[Recipient]:
    """Who hears about the alert now: the team's leaders, its other members on shift (each
    person once), the unit's group and, once escalated, the province unit's group."""
    uow, services = case.uow, case.services
    team = await uow.patrols.team(alert.team_id)
    found: list[Recipient] = []
    people: set[int] = set()
    sender = await uow.patrols.member(alert.member_id)
    if sender is not None:
        people.add(sender.user_id)
    if team is not None:
        for person in [*await leaders(uow, team), *await uow.patrols.on_duty(alert.team_id)]:
            if person.user_id in people:
                continue
            people.add(person.user_id)
            chat = private_chat(services, person.user_id)
            found.append(Recipient(chat, await language_of(case, chat)))
    for unit in await units_alerted(case, alert):
        found.append(Recipient(group_chat(services, unit), services.default_language))
    return found


async def units_alerted(case: UseCase, alert: SosAlert) -> list[PoliceUnit]:
    """The unit's group, and the province unit's once the alert was escalated."""
    unit = await case.uow.units.get(alert.unit_id)
    if unit is None:
        return []
    units = [unit]
    if alert.escalated_at is not None:
        province = await case.uow.units.for_province(unit.province_code)
        if province is not None and province.id != unit.id:
            units.append(province)
    return units


async def send_alert(
    case: UseCase, to: Recipient, alert: SosAlert, key: str, **values: Any
) -> None:
    """The alert itself (or a repeat of it), with *I'm going* and the position."""
    member = await case.uow.patrols.member(alert.member_id)
    team = await case.uow.patrols.team(alert.team_id)
    language = to.language
    where = position(alert)
    text = t(
        key,
        language,
        name=html.escape(member.display_name if member else "?"),
        team=html.escape(team.name if team else "?"),
        at=local_time(alert.created_at),
        place=(
            t("sos.place_at", language, at=local_time(alert.located_at))
            if where is not None and alert.located_at is not None
            else t("sos.place_unknown", language)
        ),
        **values,
    )
    outbox = case.uow.outbox
    row = await outbox.enqueue(
        to.chat,
        "sendMessage",
        loud(text, keyboard(alert, language, SosAction.GOING)),
        case.now,
        purpose=PURPOSE,
    )
    if where is not None:
        await outbox.enqueue(
            to.chat,
            "sendLocation",
            {"latitude": where[0], "longitude": where[1], "disable_notification": False},
            case.now,
            refers_to=row,
            purpose=PURPOSE,
        )


async def tell_everyone(case: UseCase, alert: SosAlert, key: str, **values: Any) -> None:
    """A line about the alert to every recipient and to the member who raised it."""
    chats = list(await recipients(case, alert))
    member = await case.uow.patrols.member(alert.member_id)
    if member is not None:
        chat = private_chat(case.services, member.user_id)
        chats.append(Recipient(chat, await language_of(case, chat)))
    team = await case.uow.patrols.team(alert.team_id)
    for to in chats:
        text = t(
            key,
            to.language,
            name=html.escape(member.display_name if member else "?"),
            team=html.escape(team.name if team else "?"),
            at=local_time(alert.created_at),
            **values,
        )
        await case.uow.outbox.enqueue(to.chat, "sendMessage", loud(text), case.now, purpose=PURPOSE)


# The member ----------------------------------------------------------------------------------
async def raise_sos(
    case: UseCase, member: PatrolMember, team: PatrolTeam, shift: PatrolShift | None
) -> tuple[SosAlert, bool]:
    """Raise the alert; returns it and whether a current position went with it (if not, the
    member is asked for one, and the alert does not wait for it)."""
    if shift is None or shift.id is None:
        raise Refusal("sos.not_on_shift")
    assert member.id is not None and team.id is not None
    if await case.uow.patrols.sos.open_of_member(member.id) is not None:
        raise Refusal("sos.already_open")
    max_age = timedelta(minutes=case.settings.patrol_location_max_age_minutes)
    where = current_location(shift, case.now, max_age)
    alert = await case.uow.patrols.sos.add(
        SosAlert(
            member_id=member.id,
            shift_id=shift.id,
            team_id=team.id,
            unit_id=team.unit_id,
            created_at=case.now,
            latitude=where[0] if where else None,
            longitude=where[1] if where else None,
            located_at=shift.located_at if where else None,
        )
    )
    for to in await recipients(case, alert):
        await send_alert(case, to, alert, "sos.alert")
    log.info("sos raised")
    return alert, where is not None


async def new_position(case: UseCase, member: PatrolMember, lat: float, lon: float) -> bool:
    """A location the member sends while their alert runs moves it, and goes to everyone as a
    new pin; False when they have no alert running."""
    assert member.id is not None
    alert = await case.uow.patrols.sos.open_of_member(member.id)
    if alert is None or alert.id is None:
        return False
    await case.uow.patrols.sos.locate(alert.id, lat, lon, case.now)
    alert.latitude, alert.longitude, alert.located_at = lat, lon, case.now
    team = await case.uow.patrols.team(alert.team_id)
    for to in await recipients(case, alert):
        text = t(
            "sos.moved",
            to.language,
            name=html.escape(member.display_name),
            team=html.escape(team.name if team else "?"),
            at=local_time(case.now),
        )
        row = await case.uow.outbox.enqueue(
            to.chat, "sendMessage", loud(text), case.now, purpose=PURPOSE
        )
        await case.uow.outbox.enqueue(
            to.chat,
            "sendLocation",
            {"latitude": lat, "longitude": lon, "disable_notification": False},
            case.now,
            refers_to=row,
            purpose=PURPOSE,
        )
    return True


async def follow_live(case: UseCase, member: PatrolMember, lat: float, lon: float) -> None:
    """A live location's move keeps the running alert's position fresh, silently: its next
    repeat shows it (a pin to everyone at each move would drown the chats)."""
    assert member.id is not None
    alert = await case.uow.patrols.sos.open_of_member(member.id)
    if alert is not None and alert.id is not None:
        await case.uow.patrols.sos.locate(alert.id, lat, lon, case.now)


async def open_alert(case: UseCase, alert_id: int) -> SosAlert:
    alert = await case.uow.patrols.sos.get(alert_id)
    if alert is None:
        raise Refusal("sos.unknown")
    if alert.cancelled_at is not None or alert.closed_at is not None:
        raise Refusal("sos.ended")
    return alert


async def cancel(case: UseCase, alert_id: int, user_id: int) -> SosAlert:
    """The member calls it off: a false alarm. Nobody else may."""
    alert = await open_alert(case, alert_id)
    member = await case.uow.patrols.member(alert.member_id)
    if member is None or member.user_id != user_id:
        raise Refusal("sos.only_member")
    if not await case.uow.patrols.sos.cancel(alert_id, case.now):
        raise Refusal("sos.ended")
    await tell_everyone(case, alert, "sos.cancelled")
    return alert


# The responders ------------------------------------------------------------------------------
async def responder_name(case: UseCase, alert: SosAlert, user_id: int) -> str | None:
    """The name of ``user_id`` if they may answer the alert: a leader of its team, a member of
    it on shift, or an officer of its unit (of the province unit too, once escalated)."""
    uow = case.uow
    member = await uow.patrols.member_in(alert.team_id, user_id)
    if member is not None and member.id != alert.member_id:
        if member.leader or (member.id and await uow.patrols.open_shift(member.id)):
            return member.display_name
    for unit in await units_alerted(case, alert):
        officer = await uow.officers.of_unit(unit.id, user_id) if unit.id is not None else None
        if officer is not None:
            return officer.display_name
    return None


async def take(case: UseCase, alert_id: int, user_id: int) -> SosAlert:
    """*I'm going*: the first who may answer owns it; everyone is told who."""
    alert = await open_alert(case, alert_id)
    name = await responder_name(case, alert, user_id)
    if name is None:
        raise Refusal("sos.not_responder")
    if alert.owned_at is None and await case.uow.patrols.sos.take(
        alert_id, user_id, name[:200], case.now
    ):
        alert.owner_user_id, alert.owner_name, alert.owned_at = user_id, name[:200], case.now
        await tell_everyone(case, alert, "sos.owned", owner=html.escape(name))
        return alert
    current = await case.uow.patrols.sos.get(alert_id, fresh=True)  # who beat us to it
    owner = current.owner_name if current is not None else None
    if current is not None and current.owner_user_id == user_id:
        raise Refusal("sos.yours_already")
    raise Refusal("sos.owned_by", owner=html.escape(owner or "?"))


async def close(case: UseCase, user_id: int, note: str, alert_id: int | None = None) -> SosAlert:
    """The owner closes the alert with a note (the newest they own when no id is given)."""
    note = " ".join(note.split())
    if not note:
        raise Refusal("sos.note_required")
    if len(note) > NOTE_LIMIT:
        raise Refusal("sos.note_too_long", limit=NOTE_LIMIT)
    if alert_id is None:
        found = await case.uow.patrols.sos.owned_by(user_id)
        if found is None or found.id is None:
            raise Refusal("sos.nothing_to_close")
        alert_id = found.id
    alert = await open_alert(case, alert_id)
    if alert.owner_user_id != user_id:
        raise Refusal("sos.only_owner")
    if not await case.uow.patrols.sos.close(alert_id, user_id, note, case.now):
        raise Refusal("sos.ended")
    await tell_everyone(
        case,
        alert,
        "sos.closed",
        owner=html.escape(alert.owner_name or "?"),
        note=html.escape(note),
    )
    return alert


async def check_owner(case: UseCase, alert_id: int, user_id: int) -> SosAlert:
    """*Dealt with*: only the owner of a running alert gets to write the note."""
    alert = await open_alert(case, alert_id)
    if alert.owner_user_id != user_id:
        raise Refusal("sos.only_owner")
    return alert


# The timer -----------------------------------------------------------------------------------
async def sweep(storage: Storage, services: Services, now: datetime) -> None:
    """Repeat every alert nobody has taken, once per ``SOS_REPEAT_SECONDS`` since it was raised
    (a late run sends one repeat, not the missed ones), and escalate it once after
    ``SOS_ESCALATE_MINUTES``. Read from the rows each time."""
    settings = services.settings
    every = timedelta(seconds=settings.sos_repeat_seconds)
    escalate_after = timedelta(minutes=settings.sos_escalate_minutes)
    after = 0
    while True:
        # In batches, one short transaction each, in id order.
        async with storage.transaction() as uow:
            case = UseCase(services, uow, now)
            alerts = await uow.patrols.sos.unowned(after, SWEEP_BATCH)
            for alert in alerts:
                assert alert.id is not None
                after = alert.id
                elapsed = now - alert.created_at
                due = int(elapsed / every)
                if due > alert.repeats_sent and await uow.patrols.sos.count_repeat(alert, due):
                    alert.repeats_sent = due
                    minutes = int(elapsed.total_seconds() // 60)
                    for to in await recipients(case, alert):
                        await send_alert(case, to, alert, "sos.repeat", minutes=minutes)
                # After the repeat: the province's first message is the escalation itself.
                if (
                    elapsed >= escalate_after
                    and alert.escalated_at is None
                    and await uow.patrols.sos.escalate(alert.id, now)
                ):
                    alert.escalated_at = now
                    await escalate(case, alert)
        if len(alerts) < SWEEP_BATCH:
            return


async def escalate(case: UseCase, alert: SosAlert) -> None:
    unit = await case.uow.units.get(alert.unit_id)
    province = await case.uow.units.for_province(unit.province_code) if unit else None
    if province is None or unit is None or province.id == unit.id:
        log.warning("sos escalation: no province unit to reach")
        return
    language = case.services.default_language
    to = Recipient(group_chat(case.services, province), language)
    await send_alert(case, to, alert, "sos.escalated", unit=html.escape(unit.name))


# The daily summary ---------------------------------------------------------------------------
def outcome(alert: SosAlert, language: str) -> str:
    if alert.cancelled_at is not None:
        return t("sos.outcome_cancelled", language)
    if alert.closed_at is not None:
        return t("sos.outcome_closed", language, note=html.escape(alert.close_note or ""))
    return t("sos.outcome_open", language)


async def summary_lines(
    uow: UnitOfWork, team: PatrolTeam, start: datetime, end: datetime, language: str
) -> str:
    """The team's SOS alerts of the period, for the daily summary ("" when there were none)."""
    assert team.id is not None
    alerts = await uow.patrols.sos.of_team(team.id, start, end)
    if not alerts:
        return ""
    names = {m.id: m.display_name for m in await uow.patrols.members(team.id)}
    lines = [t("sos.summary_title", language, count=len(alerts))]
    for alert in alerts:
        lines.append(
            t(
                "sos.summary_line",
                language,
                at=local_time(alert.created_at),
                name=html.escape(names.get(alert.member_id, "?")),
                owner=html.escape(alert.owner_name or t("sos.nobody", language)),
                outcome=outcome(alert, language),
            )
        )
    return "\n".join(lines)
