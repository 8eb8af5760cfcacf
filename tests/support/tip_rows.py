"""Tips stored straight into the database, for tests that need many of them or old ones
(filing each through the tip form would take seconds)."""

from __future__ import annotations

from datetime import UTC, datetime

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
