"""tinbao campaign create|list|pause|resume|cancel|stats, on the database the service uses."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import Clock
from bot.core.keyring import Keyring
from bot.domain.campaigns.broadcasts import feed, start_due_runs
from storage.db import Database
from storage.models import OutboxStatus
from storage.uow import Storage
from tests.support.campaigns import add_subscribers
from tests.support.cli import run_tinbao
from tests.support.service import SECRET
from tests.support.use_cases import use_case

pytestmark = pytest.mark.e2e  # runs tinbao in a process of its own


def storage_at(tmp_path: Path) -> Storage:
    return Storage(Database(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"), Keyring(SECRET.encode()))


async def deliver_half(tmp_path: Path) -> None:
    """What the service does for a due run, with half of the messages then sent."""
    storage = storage_at(tmp_path)
    now = Clock().now()
    try:
        async with storage.transaction() as uow:
            await start_due_runs(uow, now + timedelta(seconds=1), timedelta(hours=1))
        async with storage.transaction() as uow:
            await feed(uow, now, window=10)
            counts = await uow.outbox.counts()
            assert counts == {OutboxStatus.PENDING: 10}
        async with storage.transaction() as uow:
            for row_id in range(1, 6):
                await uow.outbox.mark_sent(row_id, 100 + row_id, now)
    finally:
        await storage.close()


async def subscribe_ten(tmp_path: Path) -> None:
    storage = storage_at(tmp_path)
    try:
        await add_subscribers(storage, list(range(1001, 1011)), Clock().now())
    finally:
        await storage.close()


def test_a_campaign_is_created_listed_paused_resumed_and_cancelled(tmp_path: Path) -> None:
    assert run_tinbao(tmp_path, "db", "upgrade").returncode == 0
    created = run_tinbao(
        tmp_path, "campaign", "create", "--library", "fire", "--audience", "province",
        "--area", "hcm", "--cron", "0 8 * * mon",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("Đã tạo chiến dịch số 1 «Phòng cháy, chữa cháy tại nhà»")
    listing = run_tinbao(tmp_path, "campaign", "list").stdout
    assert "#1 Phòng cháy, chữa cháy tại nhà — đang lên lịch" in listing
    assert "tạm dừng" in run_tinbao(tmp_path, "campaign", "pause", "1").stdout
    assert "đang lên lịch" in run_tinbao(tmp_path, "campaign", "resume", "1").stdout
    assert "đã hủy" in run_tinbao(tmp_path, "campaign", "cancel", "1").stdout
    again = run_tinbao(tmp_path, "campaign", "resume", "1")
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert "Chiến dịch số 1 không bị tạm dừng" in again.stderr


def test_bad_campaign_input_is_explained_without_a_traceback(tmp_path: Path) -> None:
    run_tinbao(tmp_path, "db", "upgrade")
    bad_html = run_tinbao(tmp_path, "campaign", "create", "--text", "<b>Chú ý</i>")
    assert bad_html.returncode == 1 and "Định dạng không hợp lệ" in bad_html.stderr
    bad_area = run_tinbao(
        tmp_path, "campaign", "create", "--library", "drugs", "--audience", "communes",
        "--area", "99999",
    )  # fmt: skip
    assert bad_area.returncode == 1 and "99999" in bad_area.stderr
    assert "Traceback" not in bad_html.stderr + bad_area.stderr


def test_stats_show_targeted_sent_failed_blocked_and_a_progress_bar(tmp_path: Path) -> None:
    run_tinbao(tmp_path, "db", "upgrade")
    asyncio.run(subscribe_ten(tmp_path))
    run_tinbao(tmp_path, "campaign", "create", "--text", "<b>Họp tổ dân phố</b> tối nay")
    asyncio.run(deliver_half(tmp_path))
    stats = run_tinbao(tmp_path, "campaign", "stats", "1")
    assert stats.returncode == 0, stats.stderr
    assert "nhắm tới 10, đã gửi 5, lỗi 0, bị chặn 0, bỏ qua 0, còn chờ 5" in stats.stdout
    assert "[###############...............]  50%" in stats.stdout


async def chief_of(tmp_path: Path, code: str, user_id: int) -> int | None:
    from bot.domain.units.setup import join

    storage = storage_at(tmp_path)
    try:
        async with storage.transaction() as uow:
            await join(use_case(uow, storage.keyring), code, user_id, "Trưởng Công an")
            unit = await uow.officers.chief_unit(user_id)
            return unit.id if unit else None
    finally:
        await storage.close()


def test_officer_invite_chief_makes_the_officer_the_unit_s_chief(tmp_path: Path) -> None:
    run_tinbao(tmp_path, "db", "upgrade")
    run_tinbao(tmp_path, "unit", "add", "--commune", "26743", "--chat", "-100123")
    invite = run_tinbao(tmp_path, "officer", "invite", "--unit", "1", "--chief")
    assert invite.returncode == 0, invite.stderr
    found = re.search(r"/join ([A-Z2-9]{8})", invite.stdout)
    assert found is not None
    assert asyncio.run(chief_of(tmp_path, found.group(1), 424242)) == 1
    plain = re.search(
        r"/join ([A-Z2-9]{8})", run_tinbao(tmp_path, "officer", "invite", "--unit", "1").stdout
    )
    assert plain is not None
    assert asyncio.run(chief_of(tmp_path, plain.group(1), 434343)) is None
