"""/find's reading of a query and its search of a unit's tips, against the real database."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.refusals import Refusal
from bot.domain.tips.search import Query, find, read_query
from bot.domain.units.setup import add_province_unit
from storage.tips.models import TipStatus
from storage.tips.tips import folded
from storage.tips.words import WALKED
from storage.uow import Storage
from tests.support.plans import rows_read, sent, whole_reads
from tests.support.tip_rows import WHEN, bulk_row, insert_many, stored_tip
from tests.support.tips import link_commune
from tests.support.use_cases import use_case

CODES = [f"ABCDEF{n}{m}" for n in "2345" for m in "6789"]  # 16 valid codes
MINUTE, HOUR, DAY, YEAR = (timedelta(minutes=n) for n in (1, 60, 1440, 525_600))


async def link_province(storage: Storage, chat_id: int) -> int:
    async with storage.transaction() as uow:
        unit = await add_province_unit(use_case(uow, storage.keyring), "79", chat_id)
        assert unit.id is not None
        return unit.id


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


async def years_of_tips(
    storage: Storage, unit_id: int, count: int, description: str = "Mất xe máy trước chợ."
) -> None:
    """``count`` older tips of the unit, so the planner weighs a unit with years of history."""
    words = folded(description)
    rows = [
        bulk_row(n, unit_id=unit_id, created_at=WHEN - (n + 1) * HOUR, folded=words)
        for n in range(count)
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
    plan = await plan_of(storage, statement, parameters)
    assert re.search(r"\(code=\?\)|Index Cond: \(\(code\)", plan), plan
    assert "ix_tip_unit_created" not in plan, plan


async def test_the_word_search_reads_the_word_index_not_the_units_history(
    storage: Storage,
) -> None:
    """A rare word is looked up in the word index, which holds the unit's scope beside the
    words (SQLite's FTS5 table of migration 0029, PostgreSQL's GIN index of 0031), so it
    costs its few matches, not a walk of the unit's years of tips; no step reads ``tip``
    whole."""
    unit = await link_commune(storage, -1001)
    await years_of_tips(storage, unit, 2_000)
    await stored_tip(storage, unit, CODES[0], "Đánh bạc xóc đĩa ở quán nước.", at=WHEN - YEAR)
    with sent(storage.database) as statements:
        assert await search(storage, unit, "xoc dia") == [CODES[0]]
    plans = []
    for statement, parameters in [(s, p) for s, p in statements if "FROM tip" in s]:
        plans.append(await plan_of(storage, statement, parameters))
        whole = await whole_reads(storage.database, statement, parameters, {"tip"})
        assert whole == [], whole
    plan = " ".join(plans)
    if storage.database.dialect == "sqlite":
        assert "tip_words VIRTUAL TABLE" in plan, plan
        assert "ix_tip_unit_created" not in plan, plan
    else:
        assert "ix_tip_words" in plan, plan


@pytest.mark.parametrize("plans", ["custom", "generic"])
async def test_a_rare_word_reads_the_units_newest_tips_and_its_matches_alone(
    storage: Storage, plans: str
) -> None:
    """PostgreSQL: the unit's newest ``WALKED`` tips are tried in index order, then the GIN
    index gives the rare match: the rows read stay far below the unit's 2,000 tips, whether
    the server plans the statement for its values or once for any (a prepared statement's
    generic plan, which once read the whole unit)."""
    if storage.database.dialect != "postgresql":
        pytest.skip("SQLite's FTS5 table is read newest first: the walk is PostgreSQL's")
    unit = await link_commune(storage, -1001)
    await years_of_tips(storage, unit, 2_000)
    await stored_tip(storage, unit, CODES[0], "Đánh bạc xóc đĩa ở quán nước.", at=WHEN - YEAR)
    with sent(storage.database) as statements:
        assert await search(storage, unit, "xoc dia") == [CODES[0]]
    found = [(s, p) for s, p in statements if "FROM tip" in s]
    assert len(found) == 2, "the walk, then the word index"
    read = [await rows_under(storage, plans, statement, p) for statement, p in found]
    assert read[0] <= WALKED + 1, "the walk (its sort reads one more tip to close a group)"
    assert read[1] <= 2, "the word index: the match, maybe one more row its bitmap points at"


@pytest.mark.parametrize("plans", ["custom", "generic"])
async def test_a_common_phrase_is_found_among_the_units_newest_tips(
    storage: Storage, plans: str
) -> None:
    """PostgreSQL: when the newest tips hold ten matches the walk stops there; the word
    index, which would fetch every match of the unit's years to sort them, is not asked."""
    if storage.database.dialect != "postgresql":
        pytest.skip("SQLite's FTS5 table is read newest first: the walk is PostgreSQL's")
    unit = await link_commune(storage, -1001)
    await years_of_tips(storage, unit, 2_000, "Trộm xe máy trước chợ.")
    for number, code in enumerate(CODES[:12]):
        await stored_tip(storage, unit, code, "Trộm xe máy ở hẻm.", WHEN + number * MINUTE)
    with sent(storage.database) as statements:
        assert await search(storage, unit, "trom xe may") == CODES[11:1:-1]
    [(statement, parameters)] = [(s, p) for s, p in statements if "FROM tip" in s]
    # An incremental sort (the index gives created_at; ties go by id) reads 32 rows at least.
    assert await rows_under(storage, plans, statement, parameters) <= 40


async def test_the_newest_matches_are_found_beyond_the_newest_tips_walked(
    storage: Storage,
) -> None:
    """Fewer than ten matches among the unit's newest ``WALKED`` tips: the older matches come
    from the word index, newest first, with the recent ones."""
    unit = await link_commune(storage, -1001)
    for number, code in enumerate(CODES[:12]):
        await stored_tip(storage, unit, code, "Trộm chó ở hẻm 3.", WHEN - (20 - number) * DAY)
    await years_of_tips(storage, unit, WALKED, "Mất ví ở chợ.")  # the last hours: no match
    await stored_tip(storage, unit, CODES[12], "Trộm chó lúc sáng.", WHEN)
    assert await search(storage, unit, "trom cho") == [CODES[12], *CODES[11:2:-1]]


async def test_a_province_unit_finds_its_own_and_its_provinces_tips_by_words(
    storage: Storage,
) -> None:
    province = await link_province(storage, -1009)
    commune = await link_commune(storage, -1001)
    await stored_tip(storage, province, CODES[0], "Trộm chó ở chợ.", WHEN - DAY)
    await stored_tip(storage, commune, CODES[1], "Trộm chó ở hẻm.", WHEN)
    await stored_tip(storage, commune, CODES[2], "Bán ma túy ở hẻm.", WHEN)
    assert await search(storage, province, "trom cho") == [CODES[1], CODES[0]]
    assert await search(storage, commune, "trom cho") == [CODES[1]]


TRICKY = [
    "Xe-máy bị trộm ở hẻm 12.5",
    "(Ma túy) bán ở chợ",
    "Trộm 2 xe đạp, 1 xe máy",
    "ĐÁNH BẠC xóc đĩa c12 b3",
    "ma.tuy@gmail.com gửi tin lạ",
    "Gây rối ở quán 12a; đánh nhau",
]


@pytest.mark.parametrize(
    "typed",
    ["xe", "xe-m", "xe-may", "12", "hem 12 5", "(ma", "ma", "b3", "c1", "tuy@", "12a;", "da"],
)
async def test_the_word_index_loses_no_tip_the_words_match(storage: Storage, typed: str) -> None:
    """Behind more recent tips than the walk reads, the index path finds exactly the tips in
    which each typed word starts a word: punctuation, digits and one-letter words included."""
    unit = await link_commune(storage, -1001)
    for number, description in enumerate(TRICKY):
        await stored_tip(storage, unit, CODES[number], description, WHEN - (9 - number) * DAY)
    await years_of_tips(storage, unit, WALKED, "Bị lấy ví ở chợ.")  # the last hours
    words = read_query(typed, WHEN)
    assert words is not None
    expected = [
        CODES[number]
        for number, description in reversed(list(enumerate(TRICKY)))
        if all(f" {word}" in folded(description) for word in words.words)
    ]
    assert expected, "each typed text finds a tip"
    assert await search(storage, unit, typed) == expected


async def plan_of(storage: Storage, statement: str, parameters: object) -> str:
    async with storage.database.engine.connect() as connection:
        if storage.database.dialect == "postgresql":
            await connection.exec_driver_sql("SET enable_seqscan = off")
            result = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        else:
            result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return " ".join(str(row[-1]) for row in result)


async def rows_under(storage: Storage, plans: str, statement: str, parameters: object) -> int:
    """The rows of ``tip`` the statement reads, planned for its values or for any values."""
    generic = plans == "generic"
    return await rows_read(storage.database, statement, parameters, "tip", generic=generic)


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
