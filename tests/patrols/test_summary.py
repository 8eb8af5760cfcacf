"""The daily summary reaches the unit's group at the configured hour, once, even across a
restart: shifts, who was on duty, check-ins per checkpoint, missed check-ins, incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.patrols.summary import send_daily_summaries
from bot.domain.patrols.watch import sweep
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.patrols import GATE, patrol_on_duty, start_shift
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE

SEVEN_LOCAL = datetime(2026, 1, 6, 0, 0, tzinfo=UTC)  # 07:00 in Hồ Chí Minh City


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_the_daily_summary_counts_the_night_and_is_sent_once(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, service):
        group = scene.group["id"]
        await start_shift(scene.member)
        await scene.member.share_live_location(*GATE)
        await scene.member.press("Điểm danh")
        await scene.member.press("Bình an")
        await scene.member.press("Báo sự việc")
        await scene.member.press("Cờ bạc")
        await scene.member.say("Tụ tập đánh bài ăn tiền trong hẻm.")
        await scene.member.press("Tiếp tục", expect=2)
        [sent] = await scene.member.press("Dùng vị trí hiện tại")
        incident = sent["text"].split("Mã: ")[1][:8]
        clock.advance(timedelta(minutes=31))
        await sweep(service.storage, service.services, clock.now())  # one missed check-in
        await scene.member._answers(1)
        await scene.member.press("Kết thúc ca")
        cards = len(await client.wait_for_bot_messages(group, 2))  # the incident's card
        early = await send_daily_summaries(service.storage, service.services, clock.now())
        clock.advance(SEVEN_LOCAL - clock.now())
        await send_daily_summaries(service.storage, service.services, clock.now())
        await send_daily_summaries(service.storage, service.services, clock.now())
        [summary] = (await client.wait_for_bot_messages(group, cards + 1))[cards:]
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE) as restarted:
        again = await send_daily_summaries(restarted.storage, restarted.services, clock.now())
    assert early == 0  # before 07:00 nothing is due
    assert again == 0 and len(await client.bot_messages(group)) == cards + 1
    text = summary["text"]
    assert "Tổng hợp tuần tra — Công an Phường Bến Thành" in text
    assert "Từ 07:00 05/01 đến 07:00 06/01/2026" in text
    assert "Ca trực: 1 · Người trực: Anh Tâm" in text
    assert "• Cổng chợ: 1" in text
    assert "Lỡ điểm danh: 1 (Anh Tâm)" in text
    assert f"Sự việc đã báo: 1 ({incident})" in text
    assert "Báo bình an: 1" in text
