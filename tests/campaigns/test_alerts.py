"""Urgent alerts (Cảnh báo khẩn): sent at once even in quiet hours, loud and marked 🚨, to the
subscribers of the communes within a radius of a point; a chief only inside the unit's
province; and *Chia sẻ thông tin* under the alert starts a tip with the alert's category and
place filled in, whose card in the police group names the alert."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.clock import Clock, FrozenClock
from bot.core.refusals import Refusal
from bot.domain.campaigns.broadcasts import Authority
from bot.domain.units.setup import add_commune_unit
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.campaigns import (
    BEN_THANH,
    HOAN_KIEM,
    add_subscribers,
    ben_thanh_officer,
    urgent_alert,
)
from tests.support.people import resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, police_group
from tests.support.use_cases import use_case

CAU_ONG_LANH = "26758"  # 1.3 km from Bến Thành's centre
BEN_THANH_CENTRE = (10.7727, 106.6980)
AT_2300 = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)  # 23:00 in Hồ Chí Minh City: quiet hours


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def centre_of(storage: Storage, code: str) -> tuple[float, float]:
    async with storage.transaction() as uow:
        commune = use_case(uow, storage.keyring).directory.get(code)
    assert commune is not None
    return commune.lat, commune.lon


async def test_an_urgent_alert_in_quiet_hours_reaches_only_the_communes_within_the_radius(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    near, farther, hanoi = [await resident(client) for _ in range(3)]
    clock = FrozenClock(AT_2300)
    await add_subscribers(storage, [near.id], clock.now(), commune=BEN_THANH)
    await add_subscribers(storage, [farther.id], clock.now(), commune=CAU_ONG_LANH)
    await add_subscribers(storage, [hanoi.id], clock.now(), commune=HOAN_KIEM)
    point = await centre_of(storage, BEN_THANH)
    alert = await urgent_alert(storage, clock.now(), near=point, radius_km=1.0)
    assert (alert.near_lat, alert.near_lon, alert.radius_km) == (*point, 1.0)

    async with running_service(
        sandbox, database_url, clock=clock, quiet_hours="21:00-06:30", **FAST_SERVICE
    ):
        [message] = await near._answers(1)
        async with storage.transaction() as uow:
            [run] = await uow.campaigns.runs(alert.id or 0)
    assert message["text"].startswith("🚨 CẢNH BÁO KHẨN 🚨")
    assert "giả danh công an" in message["text"]
    assert "disable_notification" not in message or not message["disable_notification"]
    [[share]] = message["reply_markup"]["inline_keyboard"]
    assert share["text"] == "💬 Chia sẻ thông tin"
    assert run.targeted == 1
    assert await client.bot_messages(farther.chat_id) == []
    assert await client.bot_messages(hanoi.chat_id) == []


async def test_a_chief_cannot_send_an_alert_around_a_point_outside_the_unit_s_province(
    storage: Storage,
) -> None:
    async with storage.transaction() as uow:
        unit = await add_commune_unit(use_case(uow, storage.keyring), BEN_THANH, -100777)
    chief = Authority(admin=False, unit=unit, communes=frozenset({BEN_THANH}))
    hanoi = await centre_of(storage, HOAN_KIEM)
    with pytest.raises(Refusal) as refused:
        await urgent_alert(storage, AT_2300, near=hanoi, radius_km=2, authority=chief)
    assert refused.value.key == "campaign.not_allowed_area"

    inside = await urgent_alert(
        storage, AT_2300, near=await centre_of(storage, BEN_THANH), radius_km=2, authority=chief
    )
    assert inside.unit_id == unit.id and BEN_THANH in inside.area.split(",")


async def test_share_information_starts_a_tip_pre_filled_whose_card_names_the_alert(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    group, _ = await police_group(client, storage, ["Cán bộ Hùng"])
    person = await resident(client)
    await add_subscribers(storage, [person.id], Clock().now(), commune=BEN_THANH)
    point = await centre_of(storage, BEN_THANH)

    async with running_service(sandbox, database_url, **FAST_SERVICE):
        alert = await urgent_alert(storage, Clock().now(), near=point, radius_km=1.0)
        await person._answers(1)  # the alert
        intro, question = await person.press("Chia sẻ thông tin", expect=2)
        assert alert.title in intro["text"] and "đã được điền sẵn" in intro["text"]
        assert question["text"].startswith("Bước 3/5. Hãy mô tả sự việc")
        await person.say("Sáng nay có người gọi tự xưng công an đòi chuyển tiền.")
        await person.press("Tiếp tục")
        [review] = await person.press("Hôm nay")
        assert "Phường Bến Thành" in review["text"]
        assert "Lừa đảo" in review["text"]
        await person.press("Gửi tin báo")
        [card] = await client.wait_for_bot_messages(group["id"], 1, timeout=15)
    assert card["text"].startswith(f"Trả lời cảnh báo: {alert.title}")
    assert str(person.id) not in card["text"]


async def test_a_forged_share_button_is_answered_as_stale(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    person = await resident(client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [greeting, *_] = await person.say("/start", expect=2)
        query = await person.press_data(greeting["message_id"], "cmpshare:999", forged=True)
        answer = await client.wait_for_callback_answer(query)
    assert "không còn nhận thông tin" in answer["text"]


async def test_a_chief_sends_an_urgent_alert_around_a_point_through_the_wizard(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    chief, _ = await ben_thanh_officer(storage, client, "chief")
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await chief.say("/campaign")
        await chief.press("Cảnh báo khẩn")
        await chief.press("Lừa đảo")
        [audience] = await chief.say("Cảnh báo lừa đảo chuyển khoản")
        assert "Quanh một điểm" in str(audience["reply_markup"])
        await chief.press("Quanh một điểm")
        [far] = await chief.share_location(*await centre_of(storage, HOAN_KIEM))
        [refused] = await chief.say("2")
        assert "địa bàn của đơn vị mình" in refused["text"]
        await chief.share_location(*await centre_of(storage, BEN_THANH))
        [bad] = await chief.say("ba cây số")
        assert "bán kính bằng số km" in bad["text"]
        _, preview, summary = await chief.say("1", expect=3)
        assert preview["text"].startswith("🚨 CẢNH BÁO KHẨN 🚨")
        assert "trong bán kính 1 km: Phường Bến Thành" in summary["text"]
        [created] = await chief.press("Xác nhận")
        assert "Đã lên lịch chiến dịch số 1" in created["text"]
    async with storage.transaction() as uow:
        campaign = await uow.campaigns.get(1)
    assert campaign is not None and campaign.kind == "urgent" and campaign.category == "fraud"
    assert campaign.area == BEN_THANH and campaign.radius_km == 1.0
    assert far["text"].startswith("Bán kính bao nhiêu km?")
