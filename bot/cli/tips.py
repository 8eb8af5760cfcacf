"""``tinbao audit verify [--contains HASH]`` and ``tinbao tips held|release``: the tip chain's
integrity (and whether it still holds a report's head), and the tips held back for review."""

from __future__ import annotations

from bot.cli.session import LOCAL_TIME, transaction, use_case
from bot.core.i18n import t
from bot.domain.units.communes import CommuneDirectory
from storage.tips.tips import first_broken_link


async def verify_audit(contains: str | None = None) -> tuple[bool, str]:
    """Check the audit chain and, given a link's hash (or a unique prefix of it), that the
    chain still holds it; (both hold, the line to print).

    A report states the chain's head when it was made. If its figures' history is rewritten
    later (an event back-dated, removed or inserted), either a link no longer follows from the
    one before it, or the chain was recomputed from that point on and the old head is gone."""
    async with transaction() as (uow, language, keyring):
        events = await uow.tips.audit_log()
        broken = first_broken_link(events, keyring)
        if broken is not None:
            tip = await uow.tips.get(broken.tip_id)
            code = tip.code if tip else "?"
            return False, t("cli.audit_broken", language, id=broken.id, code=code, at=broken.at)
        if contains is None:
            return True, t("cli.audit_ok", language, count=len(events))
        found = [number for number, e in enumerate(events, 1) if e.hash.startswith(contains)]
        if not found:
            return False, t("cli.audit_not_found", language, hash=contains, count=len(events))
        if len(found) > 1:
            return False, t("cli.audit_ambiguous", language, hash=contains, matches=len(found))
        [number] = found
        at = events[number - 1].at.astimezone(LOCAL_TIME).strftime("%H:%M:%S %d/%m/%Y")
        return True, t(
            "cli.audit_contains", language, hash=contains, number=number, count=len(events), at=at
        )


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
