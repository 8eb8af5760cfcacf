"""Report periods: whole local days in Vietnam time, named the way people say them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.reports.period import Period, PeriodKind, between, containing, named

# 07:30 on Monday 30 November 2026 in Hanoi.
NOW = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)


def test_no_words_mean_this_month() -> None:
    assert named([], NOW) == Period(PeriodKind.MONTH, date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize("word", ["tuần", "tuan", "week", "TUẦN"])
def test_a_week_runs_monday_to_sunday(word: str) -> None:
    assert named([word], NOW) == Period(PeriodKind.WEEK, date(2026, 11, 30), date(2026, 12, 6))


def test_a_quarter_is_the_calendar_quarter() -> None:
    assert named(["quý"], NOW) == Period(PeriodKind.QUARTER, date(2026, 10, 1), date(2026, 12, 31))


def test_a_year_is_the_calendar_year() -> None:
    assert named(["năm"], NOW) == Period(PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize("words", [["tháng", "trước"], ["last", "month"], ["trước"]])
def test_last_names_the_period_before(words: list[str]) -> None:
    assert named(words, NOW) == Period(PeriodKind.MONTH, date(2026, 10, 1), date(2026, 10, 31))


@pytest.mark.parametrize("words", [["hôm", "qua"], ["tuần", "tháng"], ["last", "last", "x"]])
def test_other_words_name_no_period(words: list[str]) -> None:
    assert named(words, NOW) is None


def test_the_local_day_decides_the_period() -> None:
    # 17:30 UTC on 31 January is already 1 February in Hanoi.
    assert named([], datetime(2026, 1, 31, 17, 30, tzinfo=UTC)).key() == "2026-02"  # type: ignore[union-attr]


def test_bounds_are_local_midnights_in_utc() -> None:
    start, end = containing(PeriodKind.MONTH, date(2026, 11, 5)).bounds()
    assert (start, end) == (
        datetime(2026, 10, 31, 17, tzinfo=UTC),
        datetime(2026, 11, 30, 17, tzinfo=UTC),
    )


def test_the_quarter_before_the_first_is_last_years_fourth() -> None:
    first = containing(PeriodKind.QUARTER, date(2027, 2, 1))
    assert first.previous() == Period(PeriodKind.QUARTER, date(2026, 10, 1), date(2026, 12, 31))


def test_two_dates_compare_with_as_many_days_before() -> None:
    days = between(date(2026, 11, 11), date(2026, 11, 20))
    assert days.previous() == between(date(2026, 11, 1), date(2026, 11, 10))


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError):
        between(date(2026, 11, 2), date(2026, 11, 1))


@pytest.mark.parametrize(
    ("period", "key"),
    [
        (containing(PeriodKind.WEEK, date(2026, 11, 30)), "2026-W49"),
        (containing(PeriodKind.MONTH, date(2026, 11, 30)), "2026-11"),
        (containing(PeriodKind.QUARTER, date(2026, 11, 30)), "2026-Q4"),
        (containing(PeriodKind.YEAR, date(2026, 11, 30)), "2026"),
        (between(date(2026, 11, 1), date(2026, 11, 15)), "2026-11-01..2026-11-15"),
    ],
)
def test_each_period_has_a_stable_key(period: Period, key: str) -> None:
    assert period.key() == key
