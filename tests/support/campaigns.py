"""Shared set-up for campaign tests: subscribers written directly, campaigns made as an admin."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.clock import Clock
from bot.domain.campaigns.broadcasts import Authority, CampaignDraft, create
from bot.domain.campaigns.rules import Schedule
from bot.domain.units.communes import CommuneDirectory
from bot.domain.units.setup import invite_officer, join
from storage.campaigns.models import Campaign, CampaignKind
from storage.outbox import Destination
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.tips import link_commune
from tests.support.use_cases import use_case

BEN_THANH, HOAN_KIEM = "26743", "00070"


async def add_subscribers(
    storage: Storage, chat_ids: list[int], now: datetime, commune: str = BEN_THANH
) -> None:
    """Subscribe many chats at once, as /subscribe would have."""
    province = CommuneDirectory.load().get(commune)
    assert province is not None
    for start in range(0, len(chat_ids), 500):
        async with storage.transaction() as uow:
            for chat in chat_ids[start : start + 500]:
                destination = Destination(chat, "private", storage.keyring.pseudonym("chat", chat))
                await uow.subscribers.subscribe(
                    destination, commune, province.province_code, "vi", now
                )


async def admin_campaign(
    storage: Storage,
    now: datetime,
    schedule: Schedule,
    audience: str = "all",
    codes: list[str] | None = None,
    library: str | None = "police_scam",
    text: str | None = None,
    created_by: int | None = None,
) -> Campaign:
    """A campaign created with an admin's rights; ``created_by`` gets the report in chat."""
    draft = CampaignDraft(library_key=library, text=text, audience=audience, codes=codes or [])
    draft.set_schedule(schedule)
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, now)
        return await create(case, draft, Authority(admin=True), created_by, "vi")


async def urgent_alert(
    storage: Storage,
    now: datetime,
    audience: str = "near",
    codes: list[str] | None = None,
    near: tuple[float, float] | None = None,
    radius_km: float | None = None,
    authority: Authority | None = None,
    category: str = "fraud",
) -> Campaign:
    """A Cảnh báo khẩn, sent at once; an admin's unless ``authority`` says otherwise."""
    draft = CampaignDraft(
        text="<b>Cảnh báo</b> lừa đảo qua điện thoại giả danh công an",
        audience=audience,
        codes=codes or [],
        kind=CampaignKind.URGENT,
        category=category,
        near_lat=near[0] if near else None,
        near_lon=near[1] if near else None,
        radius_km=radius_km,
    )
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, now)
        return await create(case, draft, authority or Authority(admin=True), None, "vi")


async def officer(storage: Storage, client: Any, unit_id: int, role: str) -> Person:
    person = await resident(client, first_name="Cán bộ")
    async with storage.transaction() as uow:
        now = Clock().now()
        case = use_case(uow, storage.keyring, now)
        code = await invite_officer(case, unit_id, role=role)
        await join(case, code, person.id, "Cán bộ")
    return person


async def ben_thanh_officer(storage: Storage, client: Any, role: str) -> tuple[Person, int]:
    """A police group linked to Phường Bến Thành, and an officer (or chief) of its unit; the
    person and the unit's id."""
    group = await client.create_group("CA Bến Thành")
    unit_id = await link_commune(storage, group["id"])
    return await officer(storage, client, unit_id, role), unit_id
