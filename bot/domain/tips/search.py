"""/find: what an officer typed, read as a tip's code, a local date or words of a description,
and the unit's tips that match, newest first.

Words are folded with the same library as the commune directory (``vn_text.fold``), so "ma tuy"
finds "ma túy"; the stored descriptions are folded the same way when a tip is filed
(``tip.folded``), and the matching is a LIKE in the database: a unit with years of tips is
never read into memory, only the few matches are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vn_text import fold

from bot.core.codes import ALPHABET, normalize_code
from bot.core.refusals import Refusal
from storage.tips.models import Tip
from storage.units.models import PoliceUnit
from storage.uow import UnitOfWork

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
FOUND_SHOWN = 10
CODE_LENGTH = 8
DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?")


@dataclass(frozen=True, slots=True)
class Query:
    """One reading of the search text: a code, a local day, or folded words."""

    code: str | None = None
    day: date | None = None
    words: tuple[str, ...] = ()


def read_query(text: str, now: datetime) -> Query | None:
    """The query ``text`` asks for; None when it is empty. A day without a year is the last
    such day up to today (on 05/01, "28/12" is last December)."""
    text = text.strip()
    if not text:
        return None
    when = DATE.fullmatch(text)
    if when is not None:
        day_of_month, month, year = int(when[1]), int(when[2]), when[3]
        today = now.astimezone(LOCAL).date()
        try:
            day = date(int(year) if year else today.year, month, day_of_month)
            if year is None and day > today:
                day = date(today.year - 1, month, day_of_month)
        except ValueError:
            raise Refusal("tipfind.bad_date", date=text) from None
        return Query(day=day)
    code = normalize_code(text)
    if len(code) == CODE_LENGTH and " " not in text and all(ch in ALPHABET for ch in code):
        return Query(code=code, words=tuple(fold(text).split()))
    words = tuple(fold(text).split())
    if not words:
        return None
    return Query(words=words)


async def find(uow: UnitOfWork, unit: PoliceUnit, query: Query) -> list[Tip]:
    """The unit's tips that match, newest first, at most ``FOUND_SHOWN``. A word that happens
    to look like a code ("MATUYBAN") is searched as words when no tip has that code."""
    assert unit.id is not None
    province = unit.province_code if unit.level == "province" else None
    if query.day is not None:
        start = datetime.combine(query.day, time(), LOCAL)
        return await uow.tips.find(
            unit.id, province, FOUND_SHOWN, since=start, until=start + timedelta(days=1)
        )
    if query.code is not None:
        found = await uow.tips.find(unit.id, province, FOUND_SHOWN, code=query.code)
        if found:
            return found
    return await uow.tips.find(unit.id, province, FOUND_SHOWN, words=query.words)
