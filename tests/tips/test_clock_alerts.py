"""The tip clocks under a controllable clock: an unacknowledged tip is re-alerted, then
escalated to the province unit; the receipt-notice and verification reminders come on their
days; each fires once, and one that came due while the service was stopped fires at start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.clocks import START, SWEEP, add_group, nth
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, file_tip

RECEIPT_DAY = datetime(2026, 1, 8, 1, 0, tzinfo=UTC)  # 08:00 on the third working day


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@asynccontextmanager
async def a_tip_on_the_clock(
    sandbox: SandboxServer, database_url: str, commune: int, *words: str, **settings: Any
) -> AsyncIterator[tuple[Person, FrozenClock, dict[str, Any]]]:
    """The service runs on a frozen clock from START, sweeping often; a resident files a tip
    (described by ``words`` if given). Yields the tipster, the clock and the group's card."""
    lan, clock = await resident(sandbox.client), FrozenClock(START)
    async with running_service(sandbox, database_url, clock, **{**SWEEP, **settings}):
        await file_tip(lan, *words)
        card = await nth(sandbox, commune, 1)
        yield lan, clock, card


async def clock_rows(storage: Storage) -> tuple[int, int]:
    """(clocks fired, clock messages queued)."""
    async with storage.database.engine.connect() as connection:
        fired = await connection.exec_driver_sql("SELECT count(*) FROM tip_clock")
        sent = await connection.exec_driver_sql(
            "SELECT count(*) FROM outbox_message WHERE purpose = 'tip.clock'"
        )
        return int(fired.scalar() or 0), int(sent.scalar() or 0)


async def test_an_unacknowledged_tip_is_realerted_then_escalated_to_the_province(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    commune, _ = await add_group(sandbox, storage, "CA Bến Thành")
    province, chief = await add_group(sandbox, storage, "CA TP.HCM", province=True)
    async with a_tip_on_the_clock(sandbox, database_url, commune) as (lan, clock, card):
        clock.advance(timedelta(minutes=31))
        realert = await nth(sandbox, commune, 2)
        clock.advance(timedelta(minutes=90))
        escalated = await nth(sandbox, province, 1)
        notice = await nth(sandbox, commune, 3)
        chief.seen = 1
        await chief.say("Anh/chị còn ở gần đó không?", reply_to=escalated["message_id"])
        relayed = await nth(sandbox, lan.id, lan.seen + 1)
    code = card["text"].split()[2]
    assert "chưa được tiếp nhận sau 30 phút" in realert["text"] and code in realert["text"]
    assert realert["reply_to_message_id"] == card["message_id"]
    assert escalated["text"].startswith("⏫ Báo lên cấp tỉnh") and code in escalated["text"]
    assert "Công an Phường Bến Thành chưa tiếp nhận" in escalated["text"]
    assert "báo lên Công an Thành phố Hồ Chí Minh" in notice["text"]
    assert "Công an Thành phố Hồ Chí Minh" in relayed["text"]


async def test_an_urgent_tip_is_realerted_after_ten_minutes(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    commune, _ = await add_group(sandbox, storage, "CA Bến Thành")
    urgent = "Có người cầm dao đe dọa ở chợ"
    async with a_tip_on_the_clock(sandbox, database_url, commune, urgent) as (_, clock, _):
        clock.advance(timedelta(minutes=11))
        realert = await nth(sandbox, commune, 2)
    assert "sau 10 phút" in realert["text"]


async def test_receipt_and_verification_reminders_come_on_their_days_once(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    commune, officer = await add_group(sandbox, storage, "CA Bến Thành")
    async with a_tip_on_the_clock(sandbox, database_url, commune) as (_, clock, _):
        clock.advance(RECEIPT_DAY - START)
        realert, receipt = await nth(sandbox, commune, 2), await nth(sandbox, commune, 3)
        await officer.press("Tiếp nhận", expect=0)
        await sandbox.client.wait_for_counter("requests", 1, method="editMessageText")
        clock.advance(START + timedelta(days=15) - clock.now())
        day15 = await nth(sandbox, commune, 4)
        clock.advance(timedelta(days=4))
        day19 = await nth(sandbox, commune, 5)
    assert "30 phút" in realert["text"]
    assert "Hôm nay (08/01/2026) là hạn cuối (3 ngày làm việc)" in receipt["text"]
    assert "đã được 15 ngày" in day15["text"] and "25/01/2026" in day15["text"]
    assert "đã được 19 ngày" in day19["text"]
    assert await clock_rows(storage) == (5, 4)  # escalation had no province unit to go to


async def test_every_clock_fires_after_a_restart(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    commune, _ = await add_group(sandbox, storage, "CA Bến Thành")
    province, _ = await add_group(sandbox, storage, "CA TP.HCM", province=True)
    lan, clock = await resident(sandbox.client), FrozenClock(START)
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE):
        await file_tip(lan)
        await nth(sandbox, commune, 1)
    # Each clock comes due while the service is stopped; only the sweep at start can fire it.
    stops = [
        (timedelta(minutes=31), [(commune, 2, "30 phút")]),
        (timedelta(hours=2), [(province, 1, "Báo lên cấp tỉnh"), (commune, 3, "báo lên")]),
        (RECEIPT_DAY - START, [(commune, 4, "hạn cuối"), (province, 2, "hạn cuối")]),
        (timedelta(days=15), [(commune, 5, "15 ngày"), (province, 3, "15 ngày")]),
        (timedelta(days=19), [(commune, 6, "19 ngày"), (province, 4, "19 ngày")]),
    ]
    for since_start, expected in stops:
        clock.advance(START + since_start - clock.now())
        async with running_service(
            sandbox, database_url, clock, clock_sweep_seconds=3600, **FAST_SERVICE
        ):
            for chat, count, words in expected:
                got = (await nth(sandbox, chat, count))["text"]
                assert words in got, [m["text"] for m in await sandbox.client.bot_messages(chat)]
    assert await clock_rows(storage) == (5, 8)


async def test_without_a_province_unit_the_escalation_reaches_the_administrators(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    commune, _ = await add_group(sandbox, storage, "CA Bến Thành")
    admin = await sandbox.client.create_user(first_name="Quản trị")
    admins = {"admin_ids": str(admin["id"])}
    async with a_tip_on_the_clock(sandbox, database_url, commune, **admins) as (_, clock, _):
        clock.advance(timedelta(minutes=121))
        alert = await nth(sandbox, admin["id"], 1)
        notice = await nth(sandbox, commune, 3)
    assert "chưa được tiếp nhận" in alert["text"]
    assert "Công an Phường Bến Thành" in alert["text"]
    assert "quản trị viên" in notice["text"]
    assert await clock_rows(storage) == (2, 3)  # realert and escalation, once each
