"""Quiet hours: the nightly window in Vietnam time when awareness messages are held back.

Kept in ``bot.core`` because the settings parse it at start-up (a bad value stops the service
with a clear message) and the campaign feeder asks it, at every tick, whether to wait."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
PATTERN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From ``start`` to ``end`` local time; crosses midnight when ``end`` is before ``start``.
    ``start == end`` means no quiet hours at all."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """``"21:00-06:30"``; ValueError with the expected form otherwise."""
        found = PATTERN.match(text)
        if found is None:
            raise ValueError("expected HH:MM-HH:MM in Vietnam time, e.g. 21:00-06:30")
        h1, m1, h2, m2 = (int(part) for part in found.groups())
        try:
            return cls(time(h1, m1), time(h2, m2))
        except ValueError as error:
            raise ValueError(f"not a time of day: {error}") from None

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: datetime) -> bool:
        if self.start == self.end:
            return False
        local = moment.astimezone(LOCAL_TIME).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, moment: datetime) -> datetime:
        """When sending may resume: the end of the quiet hours ``moment`` falls in, or
        ``moment`` itself outside them (UTC)."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(LOCAL_TIME)
        end = datetime.combine(local.date(), self.end, LOCAL_TIME)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)
