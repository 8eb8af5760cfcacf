"""The button that asks for a report in a private chat: which area, which period.

The period travels as its kind and its first day, so a keyboard pressed next month still asks
for the period it showed. The area is a claim like every button's: the presser's rights over
it are checked again when it is pressed (``bot.domain.reports.access``).

Wire format and rules: ``bot.domain.buttons``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.buttons import ButtonData
from bot.domain.reports.area import AreaKind
from bot.domain.reports.period import Period, PeriodKind, containing

EVERYWHERE = "all"  # the ``ref`` of the whole country's button


@dataclass(frozen=True)
class ReportButton(ButtonData, prefix="rep"):
    """``ref``: the unit's id (a unit's area), the province's code, or ``all``; ``first``: the
    period's first day as YYYYMMDD."""

    area: AreaKind
    ref: str
    period: PeriodKind
    first: int

    @classmethod
    def of(cls, area: AreaKind, ref: str, period: Period) -> ReportButton:
        return cls(area, ref, period.kind, int(f"{period.first:%Y%m%d}"))

    def asked_period(self) -> Period | None:
        """The period the button shows; None for data no keyboard writes."""
        if self.period is PeriodKind.DAYS:
            return None
        text = f"{self.first:08d}"
        try:
            first = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
        period = containing(self.period, first)
        return period if period.first == first else None
