"""A realistic report of Phường Bến Thành's police for November 2026, built from the figures'
dataclasses directly: what the renderers (text, charts, workbook) are tested on, whatever the
database holds. Communes are real ones of the directory; nothing in it names a tipster.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.domain.reports.area import Area, AreaKind
from bot.domain.reports.figures import (
    AuditHead,
    CampaignFigures,
    Figures,
    LegalClocks,
    MapPoint,
    RegisterRow,
    Report,
    RunFigures,
    TeamFigures,
    TipCell,
    TipFigures,
    UnitTiming,
)
from bot.domain.reports.period import PeriodKind, containing

BEN_THANH, SAI_GON, TAN_DINH, CAU_ONG_LANH = "26743", "26740", "26737", "26758"
AREA = Area(
    AreaKind.UNIT,
    "Công an Phường Bến Thành",
    unit_id=1,
    province_code="79",
    communes=(TAN_DINH, SAI_GON, BEN_THANH, CAU_ONG_LANH),
)
NOVEMBER = containing(PeriodKind.MONTH, date(2026, 11, 15))
MADE_AT = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 07:00 in Vietnam
AUDIT = AuditHead("9f2c4e1a7b3d5f60" + "a1" * 24, 1234)
OVERDUE = ("K7QX2M9P", "H3VN8TRA", "B4CD5EF6")


def _tips(scale: int, overdue: tuple[str, ...]) -> TipFigures:
    cells = (
        TipCell(BEN_THANH, "drugs", "resident", 12 * scale),
        TipCell(BEN_THANH, "theft", "resident", 9 * scale),
        TipCell(BEN_THANH, "theft", "patrol", 2 * scale),
        TipCell(SAI_GON, "fraud", "resident", 7 * scale),
        TipCell(SAI_GON, "gambling", "resident", 4 * scale),
        TipCell(TAN_DINH, "violence", "resident", 3 * scale),
        TipCell(CAU_ONG_LANH, "traffic", "resident", 3 * scale),
        TipCell(CAU_ONG_LANH, "fire", "patrol", 1 * scale),
        TipCell(TAN_DINH, "other", "resident", 1 * scale),
    )
    received = sum(cell.count for cell in cells)
    return TipFigures(
        received=received,
        cells=cells,
        by_status={
            "new": 2 * scale,
            "acknowledged": 5 * scale,
            "in_progress": 8 * scale,
            "resolved": 19 * scale,
            "rejected": 4 * scale,
            "duplicate": 2 * scale,
            "transferred": 2 * scale,
        },
        by_outcome={
            "handled": 11 * scale,
            "referred": 4 * scale,
            "insufficient": 3 * scale,
            "not_crime": 1 * scale,
            "false": 1 * scale,
            "spam": 3 * scale,
        },
        transfers=3 * scale,
        escalations=1 * scale,
        duplicates=2 * scale,
        spam=3 * scale,
        held=1 * scale,
        timings=(
            UnitTiming(
                1,
                "Công an Phường Bến Thành",
                30 * scale,
                2160 / scale,
                14400 / scale,
                20,
                777600 / scale,
                1.5e6,
            ),
            UnitTiming(
                2, "Công an Thành phố Hồ Chí Minh", 6 * scale, 1500.0, 9000.0, 4, 86400.0, None
            ),
        ),
        clocks=LegalClocks(
            30 * scale, 30 * scale - 12 // scale, 25 * scale, 25 * scale - 12, overdue
        ),
        weekly={
            "2026-10-26": {"drugs": 2 * scale, "theft": 1 * scale},
            "2026-11-02": {"drugs": 3 * scale, "fraud": 2 * scale, "theft": 3 * scale},
            "2026-11-09": {"drugs": 3 * scale, "gambling": 2 * scale, "violence": 1 * scale},
            "2026-11-16": {"drugs": 2 * scale, "theft": 4 * scale, "traffic": 3 * scale},
            "2026-11-23": {"drugs": 2 * scale, "fraud": 5 * scale, "theft": 3 * scale},
            "2026-11-30": {"other": 1 * scale, "fire": 1 * scale, "gambling": 2 * scale},
        },
        ack_buckets={300: 8 * scale, 900: 9 * scale, 1800: 7 * scale, 3600: 4 * scale, 7200: 3},
    )


def _teams(scale: int) -> tuple[TeamFigures, ...]:
    return (
        TeamFigures(
            1,
            "Tổ bảo vệ an ninh, trật tự khu phố 1",
            "Công an Phường Bến Thành",
            shifts=14 * scale,
            hours=61.5 * scale,
            check_ins={"Chợ Bến Thành": 40 * scale, "Công viên 23 Tháng 9": 22 * scale},
            missed=3 * scale,
            incidents=2 * scale,
        ),
        TeamFigures(
            2,
            "Tổ bảo vệ an ninh, trật tự khu phố 4",
            "Công an Phường Bến Thành",
            shifts=8 * scale,
            hours=30.25 * scale,
            check_ins={"Nhà thờ Đức Bà": 18 * scale},
            missed=1 * scale,
            incidents=1 * scale,
        ),
    )


def _campaigns(scale: int, month: int) -> CampaignFigures:
    return CampaignFigures(
        subscribers={BEN_THANH: 412 * scale, SAI_GON: 188, TAN_DINH: 97, CAU_ONG_LANH: 54},
        runs=(
            RunFigures(
                3,
                "Cảnh giác lừa đảo giả danh công an",
                datetime(2026, month, 3, 1, 0, tzinfo=UTC),
                700,
                640 * scale,
                12,
                4,
            ),
            RunFigures(
                5,
                "Phòng chống ma túy",
                datetime(2026, month, 17, 1, 0, tzinfo=UTC),
                720,
                700,
                9,
                2,
            ),
        ),
    )


def sample_report(*, overdue: tuple[str, ...] = OVERDUE, area_name: str | None = None) -> Report:
    """November 2026 beside October (smaller by a third, so each change shows)."""
    current = Figures(NOVEMBER, _tips(3, overdue), _teams(2), _campaigns(3, 11))
    previous = Figures(NOVEMBER.previous(), _tips(2, ()), _teams(1), _campaigns(2, 10))
    points = (
        MapPoint(10.7725, 106.6975, 9),
        MapPoint(10.7775, 106.6975, 4),
        MapPoint(10.7825, 106.7025, 6),
        MapPoint(10.7917, 106.693, 2),
        MapPoint(10.7607, 106.69, 0),
    )
    area = AREA if area_name is None else replace(AREA, name=area_name)
    return Report(area, current, previous, points, AUDIT, MADE_AT)


def empty_report() -> Report:
    """A new unit's first month: nothing at all."""
    tips = TipFigures(0, (), {}, {}, 0, 0, 0, 0, 0, (), LegalClocks(0, 0, 0, 0))
    nothing = CampaignFigures({}, ())
    return Report(
        AREA,
        Figures(NOVEMBER, tips, (), nothing),
        Figures(NOVEMBER.previous(), tips, (), nothing),
        (),
        AuditHead("", 0),
        MADE_AT,
    )


# A transferred, decided tip received at 23:30 local on 30 November (16:30 UTC).
TRANSFERRED = RegisterRow(
    code="K7QX2M9P",
    received_at=datetime(2026, 11, 30, 16, 30, tzinfo=UTC),
    commune="Phường Bến Thành",
    category="drugs",
    source="resident",
    status="resolved",
    outcome="referred",
    acknowledged_at=datetime(2026, 11, 30, 16, 42, tzinfo=UTC),
    notified_at=datetime(2026, 11, 30, 16, 42, tzinfo=UTC),
    decided_at=datetime(2026, 12, 2, 3, 5, tzinfo=UTC),
    officer="Đại úy Nguyễn Văn An",
    transfers=1,
)
OPEN = RegisterRow(
    code="H3VN8TRA",
    received_at=datetime(2026, 11, 3, 2, 15, tzinfo=UTC),
    commune="Phường Sài Gòn",
    category="fraud",
    source="patrol",
    status="new",
    outcome=None,
    acknowledged_at=None,
    notified_at=None,
    decided_at=None,
    officer=None,
    transfers=0,
)


def register_rows(count: int) -> Iterable[RegisterRow]:
    """``count`` plausible rows, oldest first, made one at a time (as the database streams)."""
    start = datetime(2026, 10, 1, tzinfo=UTC)
    categories = ("drugs", "theft", "fraud", "gambling", "violence", "traffic", "fire", "other")
    for number in range(count):
        received = start + timedelta(minutes=3 * number)
        yield RegisterRow(
            code=f"T{number:07d}",
            received_at=received,
            commune="Phường Bến Thành",
            category=categories[number % len(categories)],
            source="patrol" if number % 10 == 0 else "resident",
            status="resolved",
            outcome="handled",
            acknowledged_at=received + timedelta(minutes=12),
            notified_at=received + timedelta(minutes=12),
            decided_at=received + timedelta(days=4),
            officer="Thượng úy Trần Thị Bình",
            transfers=number % 3,
        )


async def stream(rows: Iterable[RegisterRow]) -> AsyncIterator[RegisterRow]:
    for row in rows:
        yield row
