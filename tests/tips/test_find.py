"""/find's reading of a query and its search of a unit's tips, against the real database."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.refusals import Refusal
from bot.domain.tips.search import Query, find, read_query
from storage.tips.models import TipStatus
from storage.uow import Storage
from tests.support.plans import sent, whole_reads
from tests.support.tip_rows import WHEN, bulk_row, insert_many, stored_tip
from tests.support.tips import link_commune

CODES = [f"ABCDEF{n}{m}" for n in "2345" for m in "6789"]  # 16 valid codes


async def search(storage: Storage, unit_id: int, words: str) -> list[str]:
    query = read_query(words, WHEN)
    assert query is not None
    async with storage.transaction() as uow:
        unit = await uow.units.get(unit_id)
        assert unit is not None
        return [tip.code for tip in await find(uow, unit, query)]


async def test_words_are_found_without_diacritics_in_open_and_closed_tips(
    storage: Storage,
) -> None:
    unit = await link_commune(storage, -1001)
    await stored_tip(storage, unit, CODES[0], "Bán MA TÚY ở hẻm 12.", at=WHEN)
    closed = WHEN + timedelta(hours=1)
    await stored_tip(storage, unit, CODES[1], "Tụ tập ma túy ở chợ", closed, TipStatus.RESOLVED)
    await stored_tip(storage, unit, CODES[2], "Trộm xe máy trước nhà.", at=WHEN)
    assert await search(storage, unit, "ma tuy") == [CODES[1], CODES[0]]
    assert await search(storage, unit, "Ma Túy hẻm") == [CODES[0]]


async def test_at_most_ten_are_found_newest_first(storage: Storage) -> None:
    unit = await link_commune(storage, -1001)
    for number, code in enumerate(CODES[:12]):
        await stored_tip(storage, unit, code, at=WHEN + timedelta(minutes=number))
    assert await search(storage, unit, "hem 12") == CODES[11:1:-1]


async def test_another_units_tips_are_not_found(storage: Storage) -> None:
    mine = await link_commune(storage, -1001)
    other = await link_commune(storage, -1002, commune="26740")
    await stored_tip(storage, other, CODES[0])
    assert await search(storage, mine, "ma tuy") == []
    assert await search(storage, mine, CODES[0]) == []


async def test_a_code_is_found_however_it_is_typed(storage: Storage) -> None:
    unit = await link_commune(storage, -1001)
    await stored_tip(storage, unit, "ABCD2345")
    await stored_tip(storage, unit, "ABCD2346")
    assert await search(storage, unit, "abcd-2345") == ["ABCD2345"]


async def test_a_date_finds_the_tips_received_on_that_local_day(storage: Storage) -> None:
    unit = await link_commune(storage, -1001)
    late_on_14 = datetime(2026, 3, 14, 16, 30, tzinfo=UTC)  # 23:30 on 14/03 in Vietnam
    early_on_15 = datetime(2026, 3, 14, 17, 30, tzinfo=UTC)  # 00:30 on 15/03 in Vietnam
    await stored_tip(storage, unit, CODES[0], at=late_on_14)
    await stored_tip(storage, unit, CODES[1], at=early_on_15)
    assert await search(storage, unit, "15/03") == [CODES[1]]
    assert await search(storage, unit, "14/3/2026") == [CODES[0]]


def test_a_day_without_a_year_is_the_last_one_up_to_today() -> None:
    assert read_query("20/03", WHEN) == Query(day=date(2025, 3, 20))
    assert read_query("15/03", WHEN) == Query(day=date(2026, 3, 15))


def test_an_impossible_date_is_refused() -> None:
    with pytest.raises(Refusal) as refused:
        read_query("31/02", WHEN)
    assert "31/02" in refused.value.text("vi") and "\n" not in refused.value.text("vi")


def test_an_empty_query_asks_for_the_usage() -> None:
    assert read_query("  ", WHEN) is None
    assert read_query("!!", WHEN) is None


async def test_a_word_matches_the_start_of_a_word_not_its_middle(storage: Storage) -> None:
    unit = await link_commune(storage, -1001)
    await stored_tip(storage, unit, CODES[0], "Bán hàng rong lấn chiếm vỉa hè.")
    assert await search(storage, unit, "an") == []
    assert await search(storage, unit, "ban hang") == [CODES[0]]
    assert await search(storage, unit, "lan chi") == [CODES[0]], "the start of words is enough"


async def years_of_tips(storage: Storage, unit_id: int, count: int) -> None:
    """``count`` older tips of the unit, so the planner weighs a unit with years of history."""
    rows = [
        bulk_row(n, unit_id=unit_id, created_at=WHEN - timedelta(hours=n + 1)) for n in range(count)
    ]
    await insert_many(storage, rows)


async def test_a_code_is_looked_up_by_its_unique_index_whatever_the_units_history(
    storage: Storage,
) -> None:
    """A code names one tip: /find reads it through the code's unique index, not by walking
    the unit's tips newest first until it meets it (a cost that grew with the unit's years)."""
    unit = await link_commune(storage, -1001)
    await years_of_tips(storage, unit, 2_000)
    await stored_tip(storage, unit, CODES[0])
    with sent(storage.database) as statements:
        assert await search(storage, unit, CODES[0]) == [CODES[0]]
    [(statement, parameters)] = [(s, p) for s, p in statements if "FROM tip" in s]
    async with storage.database.engine.connect() as connection:
        if storage.database.dialect == "postgresql":
            await connection.exec_driver_sql("SET enable_seqscan = off")
            result = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        else:
            result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        plan = " ".join(str(row[-1]) for row in result)
    assert re.search(r"\(code=\?\)|Index Cond: \(\(code\)", plan), plan
    assert "ix_tip_unit_created" not in plan, plan


async def test_the_word_search_reads_the_word_index_not_the_units_history(
    storage: Storage,
) -> None:
    """On SQLite a rare word is looked up in the FTS5 table of migration 0029, which holds the
    unit's scope beside the words, so it costs its few matches, not a walk of the unit's years
    of tips; no step reads ``tip`` whole. (PostgreSQL has no word index yet: README.)"""
    if storage.database.dialect != "sqlite":
        pytest.skip("PostgreSQL walks the unit's newest tips: it has no word index yet")
    unit = await link_commune(storage, -1001)
    await years_of_tips(storage, unit, 2_000)
    await stored_tip(storage, unit, CODES[0], "Đánh bạc xóc đĩa ở quán nước.")
    with sent(storage.database) as statements:
        assert await search(storage, unit, "xoc dia") == [CODES[0]]
    plans = []
    for statement, parameters in [(s, p) for s, p in statements if "FROM tip" in s]:
        async with storage.database.engine.connect() as connection:
            explain = f"EXPLAIN QUERY PLAN {statement}"
            result = await connection.exec_driver_sql(explain, parameters)
            plans.append(" ".join(str(row[-1]) for row in result))
        assert await whole_reads(storage.database, statement, parameters, {"tip"}) == []
    plan = " ".join(plans)
    assert "tip_words VIRTUAL TABLE" in plan, plan
    assert "ix_tip_unit_created" not in plan, plan


@pytest.mark.parametrize(
    "typed",
    [
        '"ma tuy',
        "ma*",
        "-ma",
        "ma:tuy",
        "NEAR(ma tuy)",
        "ma AND tuy",
        "ma OR xyz",
        "'ma' & !",
        "scope : u1",
        "ma:* | tuy",
        "(ma",
        "^ma",
        "ma\\",
    ],
)
async def test_what_the_word_index_reads_as_syntax_is_searched_as_plain_words(
    storage: Storage, typed: str
) -> None:
    """Quotes, stars, minus signs, colons, NEAR, AND, OR, parentheses typed by an officer are
    words of the search (matched as the LIKE always did), never the index's query language:
    no error, no tip of another unit, and only what every typed word starts."""
    unit = await link_commune(storage, -1001)
    other = await link_commune(storage, -1002, commune="26740")
    await stored_tip(storage, unit, CODES[0], "Bán ma túy ở hẻm 12.")
    await stored_tip(storage, other, CODES[1], "Bán ma túy ở hẻm 12.")
    assert await search(storage, unit, typed) in ([], [CODES[0]])


async def test_plain_words_that_are_query_operators_still_find_their_tip(
    storage: Storage,
) -> None:
    unit = await link_commune(storage, -1001)
    await stored_tip(storage, unit, CODES[0], "Nhóm NEAR and OR bán ma túy.")
    assert await search(storage, unit, "near and or") == [CODES[0]]


async def test_a_tip_whose_description_changes_is_found_by_its_new_words(
    storage: Storage,
) -> None:
    """The word index follows the tip's folded text (SQLite's triggers), so a retention
    erasure or an edit that changes it leaves no stale match."""
    unit = await link_commune(storage, -1001)
    await stored_tip(storage, unit, CODES[0], "Bán ma túy ở hẻm 12.")
    async with storage.database.engine.begin() as connection:
        await connection.exec_driver_sql("UPDATE tip SET folded = ' trom xe may'")
    assert await search(storage, unit, "ma tuy") == []
    assert await search(storage, unit, "trom xe") == [CODES[0]]


async def test_a_tip_moved_to_another_unit_is_found_only_there(storage: Storage) -> None:
    mine = await link_commune(storage, -1001)
    other = await link_commune(storage, -1002, commune="26740")
    await stored_tip(storage, mine, CODES[0], "Bán ma túy ở hẻm 12.")
    async with storage.database.engine.begin() as connection:
        await connection.exec_driver_sql(f"UPDATE tip SET unit_id = {other}")
    assert await search(storage, mine, "ma tuy") == []
    assert await search(storage, other, "ma tuy") == [CODES[0]]
