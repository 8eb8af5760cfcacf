"""Retention: what ties a closed tip to a person is forgotten once it can no longer help.

A tip's only link to its tipster is its sealed chat id, and the messages to that chat about it
(outbox rows, each with the chat id sealed inside). ``contact_retention_days`` after the tip
closed, ``erase_due`` empties the sealed chat id, deletes every message to the tipster about
the tip (and any undelivered one about it), the chat's unfinished dialog about it, and records
``contact_erased`` in the audit chain (never the id). The tip itself (category, commune, times,
status, outcome) stays for the statistics. Delivered messages of any kind go
``outbox_keep_days`` after their delivery, or after their tip closed, unless still needed
(``OutboxRepository.purge_delivered``).

Everything is read from the database in bounded batches, one transaction per batch, and each
tip is erased by a conditional update: two workers running the job erase a tip once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.keyring import Keyring
from bot.domain.services import Services
from bot.domain.tips.intake import tipster_destination
from bot.domain.tips.threads import subject_of
from bot.domain.use_case import UseCase
from storage.flow_states import draft_of
from storage.tips.models import Tip
from storage.uow import Storage

BATCH = 200  # tips (or delivered messages) per transaction: a short write lock each


def tipster_lane(tip: Tip, keyring: Keyring) -> str | None:
    """The pseudonym of the tipster's chat, while the sealed chat id is there to open."""
    if not tip.tipster_chat:
        return None
    return tipster_destination(tip, keyring).lane


async def erase_contact(case: UseCase, tip: Tip, actor: str = "system") -> bool:
    """Forget the way back to this closed tip's tipster, and the ids of the messages of its
    conversation (nothing is left to erase from the phone through the bot); False when another
    worker did. ``actor``: the audit chain's, "system" for the retention job, "tipster" when the
    person asked."""
    assert tip.id is not None
    uow, now = case.uow, case.now
    lane = tipster_lane(tip, case.keyring)  # before the seal is gone
    if not await uow.tips.erase_contact(tip.id, now):
        return False
    await uow.outbox.erase_about(lane or "", subject_of(tip))
    if lane is not None:
        dialog = await uow.dialogs.get(lane)
        stale = dialog is not None and dialog.updated_at + case.services.draft_ttl < now
        if dialog is not None and (stale or draft_of(dialog).get("code") == tip.code):
            await uow.dialogs.end(lane)
    await uow.tips.forget_traces(tip.id)
    await uow.tips.record(tip.id, "contact_erased", actor, now)
    return True


async def erase_due(services: Services, storage: Storage, now: datetime) -> int:
    """Erase the contact of every tip closed ``contact_retention_days`` before ``now``;
    returns how many this run erased."""
    closed_before = now - timedelta(days=services.settings.contact_retention_days)
    erased = 0
    while True:
        async with storage.transaction() as uow:
            due = await uow.tips.contact_due(closed_before, BATCH)
            case = UseCase(services, uow, now)
            for tip in due:
                erased += await erase_contact(case, tip)
        if len(due) < BATCH:
            return erased


async def purge_delivered(services: Services, storage: Storage, now: datetime) -> int:
    """Forget delivered messages whose ``outbox_keep_days`` are over and that nothing needs;
    returns how many."""
    sent_before = now - timedelta(days=services.settings.outbox_keep_days)
    purged = 0
    while True:
        async with storage.transaction() as uow:
            done = await uow.outbox.purge_delivered(sent_before, BATCH)
        purged += done
        if done < BATCH:
            return purged
