"""The clock sweep on its own, on the real database: which clocks are due, and each firing
once even when two sweeps (two workers) run at the same moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.clock import FrozenClock
from bot.core.settings import load_settings
from bot.domain.services import Services
from bot.domain.tips.alerts import due_clocks
from bot.domain.tips.clocks import TipClockPolicy
from bot.domain.units.communes import CommuneDirectory
from bot.domain.units.setup import add_commune_unit
from scheduler.job_context import JobEnv
from scheduler.tips import sweep
from storage.tips.models import Tip, TipStatus
from storage.uow import Storage
from tests.support.service import SECRET
from tests.support.use_cases import use_case

START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def env_for(storage: Storage) -> JobEnv:
    settings = load_settings(secret_key=SECRET)
    services = Services(
        settings=settings,
        keyring=storage.keyring,
        default_language="vi",
        directory=CommuneDirectory.load(),
        tip_clocks=TipClockPolicy.from_settings(settings),
    )
    return JobEnv(storage, FrozenClock(START), services, settings)


def a_tip(status: str = TipStatus.NEW, urgent: bool = False, code: str = "ABCD2345") -> Tip:
    return Tip(
        code=code,
        category="drugs",
        commune_code="26743",
        province_code="79",
        description="Có người bán ma túy.",
        urgent=urgent,
        status=status,
        tipster="p" * 32,
        tipster_chat=b"sealed",
        tipster_language="vi",
        created_at=START,
    )


async def add_tip(storage: Storage, tip: Tip) -> None:
    async with storage.transaction() as uow:
        unit = await add_commune_unit(use_case(uow, storage.keyring, START), "26743", -4_000_001)
        tip.unit_id = unit.id
        tip.tipster_chat = storage.keyring.seal_json(7_000_001, b"tipster")
        await uow.tips.add(tip)


def test_which_clocks_are_due_follows_status_and_urgency() -> None:
    policy = TipClockPolicy()
    new, urgent = a_tip(), a_tip(urgent=True)
    acknowledged = a_tip(status=TipStatus.ACKNOWLEDGED)
    closed = a_tip(status=TipStatus.RESOLVED)
    assert due_clocks(policy, new, START + timedelta(minutes=29)) == []
    assert due_clocks(policy, new, START + timedelta(minutes=30)) == ["realert"]
    assert due_clocks(policy, urgent, START + timedelta(minutes=30)) == ["realert", "escalate"]
    assert due_clocks(policy, acknowledged, START + timedelta(days=15)) == ["verify_15"]
    assert due_clocks(policy, closed, START + timedelta(days=30)) == []


async def test_two_sweeps_at_once_fire_each_clock_once(storage: Storage) -> None:
    await add_tip(storage, a_tip())
    env = env_for(storage)
    now = START + timedelta(days=16)  # realert, escalate (no province unit), receipt, day 15
    fired = await asyncio.gather(sweep(env, now), sweep(env, now))
    again = await sweep(env, now + timedelta(minutes=1))
    assert sum(fired) == 4 and again == 0
    async with storage.database.engine.connect() as connection:
        rows = await connection.exec_driver_sql(
            "SELECT count(*) FROM outbox_message WHERE purpose = 'tip.clock'"
        )
        assert rows.scalar() == 3  # the escalation had nowhere to go: recorded, nothing sent
