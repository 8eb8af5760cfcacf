"""The hourly purges forget everything that is past its keep time in one run, however much
there is, a bounded batch per transaction, and keep what is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FrozenClock
from scheduler import inbox_cleanup, report_requests
from scheduler.inbox_cleanup import INBOX_RETENTION, purge_inbox
from scheduler.job_context import JobEnv
from storage.inbox import ReceivedUpdate
from storage.models import InboxStatus
from storage.outbox import Destination
from storage.uow import Storage
from tests.support.use_cases import services_for

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
BATCH = 2  # small, so a run needs several batches


def update(update_id: int) -> ReceivedUpdate:
    return ReceivedUpdate(update_id, "a", {"update_id": update_id, "message": {"text": "hi"}})


async def test_the_inbox_purge_forgets_every_old_handled_update_in_batches(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_cleanup, "PURGE_BATCH", BATCH)
    async with storage.transaction() as uow:
        await uow.inbox.store([update(n) for n in range(1, 9)], NOW)
        for handled in range(1, 6):
            await uow.inbox.mark_done(handled, NOW)
        await uow.inbox.mark_dead(6, 5, "Boom", NOW)
        await uow.inbox.mark_done(7, NOW + timedelta(days=1))  # not old enough yet
    later = FrozenClock(NOW + INBOX_RETENTION + timedelta(hours=1))
    assert await purge_inbox(storage, later) == 6
    async with storage.transaction() as uow:
        assert await uow.inbox.counts() == {InboxStatus.DONE: 1, InboxStatus.PENDING: 1}


async def test_the_made_reports_purge_forgets_every_old_request_in_batches(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_requests, "PURGE_BATCH", BATCH)
    chat = Destination(-1001, "group", storage.keyring.pseudonym("chat", -1001))
    async with storage.transaction() as uow:
        ids = [await uow.report_requests.add(chat, {"n": n}, NOW) for n in range(6)]
        for made in ids[:5]:
            await uow.report_requests.finish(made, NOW)
    services = services_for(storage.keyring)
    later = FrozenClock(NOW + report_requests.KEPT + timedelta(seconds=1))
    env = JobEnv(storage, later, services, services.settings)
    assert await report_requests.purge_made(env) == 5
    async with storage.transaction() as uow:
        assert await uow.report_requests.unfinished() == 1
        assert await uow.report_requests.purge_done(later.now(), 10) == 0
