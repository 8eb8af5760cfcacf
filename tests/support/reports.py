"""A known month of tips for the reports' tests, made through the real domain: filed, worked in
the groups, escalated by the clock sweep, transferred, held for review.

March 2026 in Hồ Chí Minh City (province 79), Vietnam time (UTC+7). Units: Phường Bến Thành
(26743, officer Minh), Phường Sài Gòn (26740, officer Lan) and the province unit. "MARCH" tips
are in the period; FEBRUARY is the period before; the others fall just outside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.core.clock import FrozenClock
from bot.domain.reports.period import PeriodKind, containing
from bot.domain.tips.intake import PATROL, Draft, Tipster, submit
from bot.domain.tips.lifecycle import act
from bot.domain.units.setup import add_commune_unit, add_province_unit, invite_officer, join
from scheduler.job_context import JobEnv
from scheduler.tips import sweep
from storage.uow import Storage
from tests.support.use_cases import services_for, use_case

BEN_THANH, SAI_GON, HA_NOI_BA_DINH = "26743", "26740", "00004"
MINH, LAN, HUNG = 555, 556, 557
MARCH = containing(PeriodKind.MONTH, datetime(2026, 3, 15).date())
# When the report is made: Thursday 2 April 2026, 09:00 in Vietnam.
NOW = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
# Two tips 100 m apart (0.0009° of latitude), and one 2 km north.
NEAR = (10.7720, 106.6980)
NEXT_DOOR = (10.7729, 106.6980)
NORTH = (10.7900, 106.7000)


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Month:
    """The tips' codes by name (t1…t11, february, april, ha_noi) and their ids."""

    codes: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def code(self, *names: str) -> tuple[str, ...]:
        return tuple(self.codes[name] for name in names)


async def set_up_units(storage: Storage) -> None:
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, utc(1, 5, 2))
        ben_thanh = await add_commune_unit(case, BEN_THANH, -1001)
        sai_gon = await add_commune_unit(case, SAI_GON, -1002)
        province = await add_province_unit(case, "79", -1079)
        for unit, user, name in (
            (ben_thanh, MINH, "Minh"),
            (sai_gon, LAN, "Lan"),
            (province, HUNG, "Hùng"),
        ):
            await join(case, await invite_officer(case, unit.id or 0), user, name)


async def file(
    storage: Storage,
    month: Month,
    name: str,
    at: datetime,
    category: str = "drugs",
    commune: str = BEN_THANH,
    place: tuple[float, float] | None = None,
    user: int | None = None,
    patrol: bool = False,
) -> None:
    draft = Draft(category=category, commune_code=commune, description="Bán ma túy ở hẻm 12.")
    if place:
        draft.latitude, draft.longitude = place
    person = user or 1000 + len(month.codes)
    source = PATROL if patrol else "resident"
    async with storage.transaction() as uow:
        tipster = Tipster.of(storage.keyring, person, person, "vi", source)
        reporter = "Nguyễn Văn An · Tổ 1" if patrol else None
        tip, _ = await submit(use_case(uow, storage.keyring, at), draft, tipster, reporter)
        month.codes[name], month.ids[name] = tip.code, tip.id or 0


async def work(
    storage: Storage,
    month: Month,
    name: str,
    at: datetime,
    officer: int,
    action: str,
    arg: str | None = None,
) -> None:
    async with storage.transaction() as uow:
        await act(use_case(uow, storage.keyring, at), month.ids[name], officer, action, arg)


async def clock_sweep(storage: Storage, at: datetime) -> None:
    services = services_for(storage.keyring)
    await sweep(JobEnv(storage, FrozenClock(at), services, services.settings), at)


async def a_month(storage: Storage) -> Month:
    """Every tip of the month, in the order things happened."""
    await set_up_units(storage)
    month = Month()
    await file(storage, month, "february", utc(2, 10, 2))
    # Monday 2 March: two tips 100 m apart, worked within the hour; a duplicate of the first.
    await file(storage, month, "t1", utc(3, 2, 2), place=NEAR)
    await file(storage, month, "t2", utc(3, 2, 2, 5), place=NEXT_DOOR)
    await work(storage, month, "t1", utc(3, 2, 2, 10), MINH, "assign")
    await work(storage, month, "t2", utc(3, 2, 2, 35), MINH, "acknowledge")
    await file(storage, month, "t7", utc(3, 2, 3))
    await work(storage, month, "t7", utc(3, 2, 3, 10), MINH, "duplicate", month.codes["t1"])
    await work(storage, month, "t2", utc(3, 2, 3), MINH, "reject", "spam")
    await file(storage, month, "ha_noi", utc(3, 3, 2), commune=HA_NOI_BA_DINH)
    await work(storage, month, "t1", utc(3, 5, 2), MINH, "resolve", "handled")
    # Friday 6 March, 23:00: told of receipt on Wednesday 23:30, the 3rd working day.
    await file(storage, month, "t3", utc(3, 6, 16), category="theft")
    # Monday 9 March: nobody acknowledges; the sweep at 12:00 escalates it (and the older
    # unacknowledged ones) to the province unit.
    await file(storage, month, "t4", utc(3, 9, 3), place=NORTH)
    await clock_sweep(storage, utc(3, 9, 5))
    # Tuesday 10 March: passed on to Phường Sài Gòn, which acknowledges it an hour later.
    await file(storage, month, "t5", utc(3, 10, 2), category="fraud")
    await work(storage, month, "t5", utc(3, 10, 2, 20), MINH, "transfer", f"c{SAI_GON}")
    await work(storage, month, "t5", utc(3, 10, 3, 20), LAN, "acknowledge")
    await work(storage, month, "t3", utc(3, 11, 16, 30), MINH, "acknowledge")
    # Thursday 12 March: a patrol's incident, acknowledged in 5 minutes.
    await file(
        storage, month, "t6", utc(3, 12, 5), category="violence", commune=SAI_GON, patrol=True
    )
    await work(storage, month, "t6", utc(3, 12, 5, 5), LAN, "acknowledge")
    # Monday 16 March 00:30 (Sunday in UTC): a sender with 3 spam strikes; held for review.
    async with storage.transaction() as uow:
        spammer = Tipster.of(storage.keyring, 4242, 4242, "vi").pseudonym
        for _ in range(3):
            await uow.tips.add_spam_strike(spammer, utc(3, 14, 1))
    await file(storage, month, "t11", utc(3, 15, 17, 30), user=4242)
    # Decided on day 21: a day late.
    await work(storage, month, "t3", utc(3, 26, 17), MINH, "resolve", "referred")
    # Tuesday 31 March at 23:30, the last day; and the first minute of April.
    await file(storage, month, "t8", utc(3, 31, 16, 30))
    await file(storage, month, "april", utc(3, 31, 17))
    return month
