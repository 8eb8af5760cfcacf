"""``tinbao audit verify`` and ``tinbao tips held|release``: the tip chain's integrity, and the
tips held back for review."""

from __future__ import annotations

from bot.cli.session import LOCAL_TIME, transaction, use_case
from bot.core.i18n import t
from bot.domain.units.communes import CommuneDirectory
from storage.tips.tips import first_broken_link


async def verify_audit() -> tuple[bool, str]:
    """Check the audit chain; (intact, the line to print)."""
    async with transaction() as (uow, language, keyring):
        events = await uow.tips.audit_log()
        broken = first_broken_link(events, keyring)
        if broken is None:
            return True, t("cli.audit_ok", language, count=len(events))
        tip = await uow.tips.get(broken.tip_id)
        code = tip.code if tip else "?"
        return False, t("cli.audit_broken", language, id=broken.id, code=code, at=broken.at)


async def held_tips() -> list[str]:
    """Tips held for review because their sender's tips were rejected as spam too often."""
    directory = CommuneDirectory.load()
    async with transaction() as (uow, language, _):
        tips = await uow.tips.held()
        if not tips:
            return [t("tipwork.cli_held_none", language)]
        lines = []
        for tip in tips:
            commune = directory.get(tip.commune_code)
            lines.append(
                t(
                    "tipwork.cli_held_line",
                    language,
                    code=tip.code,
                    at=tip.created_at.astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y"),
                    category=t(f"category.{tip.category}", language),
                    commune=commune.name if commune else tip.commune_code,
                )
            )
        return lines


async def release_tip(code: str) -> tuple[bool, str]:
    """Send a held tip's card to its unit after all; (released, the line to print)."""
    from bot.domain.tips.lifecycle import release

    async with use_case() as case:
        language = case.language
        tip = await release(case, code)
        if tip is None:
            return False, t("tipwork.cli_not_held", language, code=code)
        return True, t("tipwork.cli_released", language, code=tip.code)
