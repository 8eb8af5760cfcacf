"""Which communes a report covers: one unit's, a whole province's, or the whole country's."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AreaKind(StrEnum):
    UNIT = "unit"
    PROVINCE = "province"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Area:
    """``communes`` lists a unit's communes (a commune unit's; a province unit's area is its
    province). ``name`` is what a reader sees: the unit's or the province's name."""

    kind: AreaKind
    name: str
    unit_id: int | None = None
    province_code: str | None = None
    communes: tuple[str, ...] = ()

    def key(self) -> str:
        """A short stable name: unit:12, province:01, all."""
        if self.kind is AreaKind.UNIT:
            return f"unit:{self.unit_id}"
        if self.kind is AreaKind.PROVINCE:
            return f"province:{self.province_code}"
        return "all"
