"""A tip's card fits Telegram's 4,096 units however long its fields, and shows the same part of
a long description each time it is rendered (a later edit must not drop what it showed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.telegram_text import TEXT_LIMIT, visible_length
from bot.domain.tips.clocks import TipClockPolicy, deadlines
from bot.domain.tips.intake import DESCRIPTION_LIMIT
from bot.domain.tips.notices import CARD_DESCRIPTION_ROOM, CardView, card_messages
from bot.domain.units.communes import CommuneDirectory
from storage.tips.models import Tip, TipStatus
from tests.support.long_text import vietnamese_text

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
LONGEST_NAME = "Nguyễn Thị Phương Thảo 🇻🇳 <&> " * 7  # 200-character names


def a_tip(status: str) -> Tip:
    return Tip(
        id=1,
        code="ABCD2345",
        category="violence",
        commune_code="26743",
        province_code="79",
        occurred=vietnamese_text(300),
        description=vietnamese_text(DESCRIPTION_LIMIT),
        urgent=True,
        attachments=10,
        status=status,
        source="patrol",
        reporter=f"{LONGEST_NAME[:200]} · {LONGEST_NAME[:200]}",
        created_at=NOW,
        received_at=NOW,
        acknowledged_at=NOW,
        assignee_id=1,
    )


VIEWS = {
    "new": CardView(deadlines=deadlines(TipClockPolicy(), NOW, True)),
    "worked": CardView(
        acknowledged_by=LONGEST_NAME[:200],
        assignee=LONGEST_NAME[:200],
        alike=("ABCD2346", "ABCD2347", "ABCD2348"),
        deadlines=deadlines(TipClockPolicy(), NOW, True),
    ),
    "moved": CardView(moved_to=LONGEST_NAME[:200], assignee=LONGEST_NAME[:200]),
}
HEADER = f"⏫ <b>Báo lên cấp tỉnh:</b> {LONGEST_NAME[:200]} chưa tiếp nhận sau 120 phút."


@pytest.mark.parametrize(
    ("status", "view"),
    [(TipStatus.NEW, "new"), (TipStatus.ACKNOWLEDGED, "worked"), (TipStatus.RESOLVED, "moved")],
)
@pytest.mark.parametrize("header", [None, HEADER])
def test_the_longest_card_fits_and_shows_the_same_part_of_the_description(
    status: str, view: str, header: str | None
) -> None:
    directory = CommuneDirectory.load()
    tip = a_tip(status)
    card, *_ = card_messages(a_tip(TipStatus.NEW), directory, "vi", VIEWS["new"])
    longest, *_ = card_messages(tip, directory, "vi", VIEWS[view], header=header)
    assert visible_length(longest) <= TEXT_LIMIT
    shown = card[-CARD_DESCRIPTION_ROOM // 2 :]  # the end of the part of the description
    assert longest.endswith(shown)
