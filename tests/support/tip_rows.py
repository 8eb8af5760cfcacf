"""Tips stored straight into the database, for tests that need many of them or old ones
(filing each through the tip form would take seconds)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.tips.intake import TIPSTER_SEAL
from storage.tips.models import Tip, TipStatus
from storage.uow import Storage

# 10:00 on 15/03/2026 in Vietnam.
WHEN = datetime(2026, 3, 15, 3, 0, tzinfo=UTC)


async def stored_tip(
    storage: Storage,
    unit_id: int | None,
    code: str,
    description: str = "Có người bán ma túy ở hẻm 12.",
    at: datetime = WHEN,
    status: str = TipStatus.NEW,
    urgent: bool = False,
    tipster_chat: int = 7_000_001,
    tipster_language: str = "vi",
    category: str = "drugs",
) -> Tip:
    """A tip of Phường Bến Thành filed at ``at`` by the person whose chat is ``tipster_chat``."""
    async with storage.transaction() as uow:
        return await uow.tips.add(
            Tip(
                code=code,
                category=category,
                commune_code="26743",
                province_code="79",
                unit_id=unit_id,
                description=description,
                urgent=urgent,
                status=status,
                tipster=storage.keyring.pseudonym("user", tipster_chat),
                tipster_chat=storage.keyring.seal_json(tipster_chat, TIPSTER_SEAL),
                tipster_language=tipster_language,
                created_at=at,
                received_at=at,
            )
        )


def bulk_row(n: int, **values: Any) -> dict[str, Any]:
    """The columns of the ``n``-th of many plain tips of Phường Bến Thành (a closed theft
    report unless ``values`` say otherwise), for ``insert_many``."""
    row: dict[str, Any] = {
        "code": f"Q{n:07d}",
        "category": "theft",
        "commune_code": "26743",
        "province_code": "79",
        "description": "Mất xe máy trước chợ.",
        "status": TipStatus.RESOLVED,
        "tipster": "p" * 32,
        "tipster_chat": b"sealed",
        "tipster_language": "vi",
    }
    row.update(values)
    return row


async def insert_many(storage: Storage, rows: list[dict[str, Any]]) -> None:
    """Insert the rows in one statement and refresh the statistics, so the planner weighs
    what a database with this much history has."""
    async with storage.database.engine.begin() as connection:
        await connection.execute(sa.insert(Tip), rows)
        await connection.exec_driver_sql("ANALYZE")
