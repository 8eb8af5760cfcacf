"""tinbao campaign create --urgent: an urgent alert from the operator, around a point."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.campaigns.models import Campaign
from tests.campaigns.test_cli import storage_at
from tests.support.cli import run_tinbao

pytestmark = pytest.mark.e2e  # runs tinbao in a process of its own

BEN_THANH_POINT = ("10.7727", "106.6980")


async def last_link(tmp_path: Path) -> tuple[str, str, str | None]:
    storage = storage_at(tmp_path)
    try:
        async with storage.transaction() as uow:
            link = (await uow.tips.audit_log())[-1]
            return link.kind, link.actor, link.note
    finally:
        await storage.close()


async def stored(tmp_path: Path, campaign_id: int) -> Campaign | None:
    storage = storage_at(tmp_path)
    try:
        async with storage.transaction() as uow:
            return await uow.campaigns.get(campaign_id)
    finally:
        await storage.close()


def test_an_urgent_alert_around_a_point_is_created_for_now_with_its_communes(
    tmp_path: Path,
) -> None:
    assert run_tinbao(tmp_path, "db", "upgrade").returncode == 0
    created = run_tinbao(
        tmp_path, "campaign", "create", "--text", "<b>Trẻ đi lạc</b> ở chợ Bến Thành",
        "--urgent", "--category", "other", "--audience", "near",
        "--near", *BEN_THANH_POINT, "--radius", "1", "--at", "25/12 08:00",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("Đã tạo chiến dịch số 1 «Trẻ đi lạc ở chợ Bến Thành»")
    campaign = asyncio.run(stored(tmp_path, 1))
    assert campaign is not None
    assert (campaign.kind, campaign.category, campaign.radius_km) == ("urgent", "other", 1.0)
    assert campaign.area == "26743"  # the only commune whose centre is within 1 km
    assert campaign.next_run_at == campaign.created_at  # at once: --at is ignored


def test_an_urgent_alert_is_a_link_of_the_audit_chain(tmp_path: Path) -> None:
    assert run_tinbao(tmp_path, "db", "upgrade").returncode == 0
    created = run_tinbao(
        tmp_path, "campaign", "create", "--library", "fire", "--urgent", "--category", "fire",
        "--audience", "near", "--near", *BEN_THANH_POINT, "--radius", "1",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert asyncio.run(last_link(tmp_path)) == ("urgent_alert", "admin", "campaign:1>near:26743")


def test_urgent_alert_mistakes_are_explained_without_a_traceback(tmp_path: Path) -> None:
    run_tinbao(tmp_path, "db", "upgrade")
    no_category = run_tinbao(tmp_path, "campaign", "create", "--library", "fire", "--urgent")
    assert no_category.returncode == 1 and "cần một loại vụ việc" in no_category.stderr
    awareness_near = run_tinbao(
        tmp_path, "campaign", "create", "--library", "fire", "--audience", "near",
        "--near", *BEN_THANH_POINT, "--radius", "1",
    )  # fmt: skip
    assert awareness_near.returncode == 1 and "Chỉ cảnh báo khẩn" in awareness_near.stderr
    far = run_tinbao(
        tmp_path, "campaign", "create", "--library", "fire", "--urgent", "--category", "fire",
        "--audience", "near", "--near", *BEN_THANH_POINT, "--radius", "500",
    )  # fmt: skip
    assert far.returncode == 1 and "không quá 100 km" in far.stderr
    assert "Traceback" not in no_category.stderr + awareness_near.stderr + far.stderr
