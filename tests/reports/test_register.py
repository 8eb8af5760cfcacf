"""The tip register (the workbook's Tips sheet, the CSV): the period's tips oldest first,
streamed from the database, with nothing that identifies a tipster."""

from __future__ import annotations

from dataclasses import astuple

import pytest

from bot.domain.reports.figures import RegisterRow
from bot.domain.reports.gather import province_area, register
from storage.uow import Storage
from tests.support.reports import MARCH, NOW, Month, a_month, utc
from tests.support.use_cases import use_case


@pytest.fixture
async def month(storage: Storage) -> Month:
    return await a_month(storage)


async def rows(storage: Storage) -> list[RegisterRow]:
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, NOW)
        area = await province_area(case, "79")
        assert area is not None
        return [row async for row in register(case, area, MARCH)]


async def test_the_register_lists_the_periods_tips_oldest_first(
    storage: Storage, month: Month
) -> None:
    listed = await rows(storage)
    assert [row.code for row in listed] == list(
        month.code("t1", "t2", "t7", "t3", "t4", "t5", "t6", "t11", "t8")
    )


async def test_a_transferred_tips_row_names_its_new_commune_and_officer(
    storage: Storage, month: Month
) -> None:
    row = next(row for row in await rows(storage) if row.code == month.codes["t5"])
    assert row == RegisterRow(
        code=month.codes["t5"],
        received_at=utc(3, 10, 2),
        commune="Phường Sài Gòn",
        category="fraud",
        source="resident",
        status="acknowledged",
        outcome=None,
        acknowledged_at=utc(3, 10, 3, 20),
        notified_at=utc(3, 10, 3, 20),
        decided_at=None,
        officer="Lan",
        transfers=1,
    )


async def test_a_decided_tips_row_has_its_outcome_and_the_officer_it_was_assigned_to(
    storage: Storage, month: Month
) -> None:
    row = next(row for row in await rows(storage) if row.code == month.codes["t1"])
    assert (row.status, row.outcome, row.officer, row.transfers) == (
        "resolved",
        "handled",
        "Minh",
        0,
    )
    assert (row.acknowledged_at, row.notified_at, row.decided_at) == (
        utc(3, 2, 2, 10),
        utc(3, 2, 2, 10),
        utc(3, 5, 2),
    )


async def test_no_row_carries_a_description_or_a_tipster(storage: Storage, month: Month) -> None:
    async with storage.transaction() as uow:
        tip = await uow.tips.get(month.ids["t1"])
        assert tip is not None
        secrets = {tip.description, tip.tipster, tip.reporter}
    async with storage.transaction() as uow:
        patrol = await uow.tips.get(month.ids["t6"])
        assert patrol is not None
        secrets |= {patrol.tipster, patrol.reporter}
    values = {str(value) for row in await rows(storage) for value in astuple(row)}
    assert not (secrets - {None}) & values
