"""tinbao doctor: one ✓/✗ line per thing that must work, and an exit code a monitoring system
can act on: 0 when all is well, 1 as soon as one line is ✗."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import Clock
from bot.core.settings import load_settings
from bot.domain.services import Services
from sandbox.server import SandboxServer
from scheduler.job_context import JobEnv
from scheduler.tips import sweep_now
from storage.operations.health import TIP_CLOCKS, record_run
from storage.outbox import Destination
from storage.uow import Storage
from tests.support.cli import operator_shell, tinbao
from tests.support.people import Person, resident
from tests.support.service import SECRET, running_service
from tests.support.tips import FAST, FAST_SERVICE, linked_group

CANT_PARSE = "Bad Request: can't parse entities: unsupported start tag at byte offset 0"


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def group(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    return await linked_group(sandbox.client, storage)


@pytest.fixture
async def swept(storage: Storage) -> None:
    """The service's clock sweep ran just now, as it does every TINBAO_CLOCK_SWEEP_SECONDS."""
    settings = load_settings(secret_key=SECRET)
    await sweep_now(
        JobEnv(storage, Clock(), Services.from_settings(settings, storage.keyring), settings)
    )


async def file_located_tip(lan: Person) -> None:
    """A tip with a shared location: its card goes to the group first, then the location."""
    await lan.say("/start", expect=2)
    await lan.press("Gửi tin báo")
    await lan.press("Ma túy")
    await lan.share_location(10.7725, 106.6980)
    await lan.press("Phường Bến Thành", expect=2)
    await lan.say("Có người bán ma túy ở hẻm 12.")
    await lan.press("Tiếp tục")
    await lan.press("Hôm nay")
    await lan.press("Gửi tin báo")


def lines(out: str) -> dict[str, str]:
    """Each line by its first words after the mark, e.g. ``"Hộp thư đi:"``."""
    return {line: line[0] for line in out.splitlines()}


def line_with(out: str, text: str) -> str:
    [line] = [line for line in out.splitlines() if text in line]
    return line


async def test_a_healthy_service_gets_every_line_checked_and_exit_0(
    group: dict[str, Any], swept: None, bot_operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await tinbao(capsys, "doctor")
    assert (code, err) == (0, ""), out
    assert set(lines(out).values()) == {"✓"}, out
    assert line_with(out, "Cấu hình") == "✓ Cấu hình hợp lệ."
    assert line_with(out, "Lược đồ").startswith("✓ Lược đồ ở phiên bản mới nhất")
    assert line_with(out, "Bot API").startswith("✓ Kết nối được Bot API, token hợp lệ: @")
    assert (
        line_with(out, "Đơn vị 1")
        == f"✓ Đơn vị 1 (Công an Phường Bến Thành): bot đăng được tin trong nhóm {group['id']}."
    )
    assert line_with(out, "Hộp thư đi: 0") == "✓ Hộp thư đi: 0 tin gửi thất bại."
    assert line_with(out, "Hộp thư đến") == "✓ Hộp thư đến: 0 cập nhật đã bỏ qua."
    assert line_with(out, "Đồng hồ tin báo").startswith("✓ Đồng hồ tin báo: kiểm tra lần cuối")


async def test_a_unit_whose_group_removed_the_bot_is_a_cross_and_exit_1(
    sandbox: SandboxServer,
    group: dict[str, Any],
    swept: None,
    bot_operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await sandbox.client.remove_bot(group["id"])
    code, out, _ = await tinbao(capsys, "doctor")
    assert code == 1
    assert line_with(out, "Đơn vị 1").startswith(
        "✗ Đơn vị 1 (Công an Phường Bến Thành): Bot không còn trong nhóm"
    )


async def test_a_failed_outbox_message_is_a_cross(
    sandbox: SandboxServer,
    database_url: str,
    group: dict[str, Any],
    swept: None,
    bot_operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await sandbox.client.fail_next(
        "sendMessage", 1, group["id"], status=400, description=CANT_PARSE
    )
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_located_tip(await resident(sandbox.client))
        # the location follows its card, alone once the card's failure is recorded
        await sandbox.client.wait_for_bot_messages(group["id"], 1, timeout=15)
    code, out, _ = await tinbao(capsys, "doctor")
    assert code == 1
    assert line_with(out, "tin gửi thất bại") == "✗ Hộp thư đi: 1 tin gửi thất bại."


async def test_without_a_token_the_bot_api_line_says_it_was_skipped(
    database_url: str,
    group: dict[str, Any],
    swept: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    operator_shell(monkeypatch, tmp_path, database_url=database_url)
    code, out, _ = await tinbao(capsys, "doctor")
    assert code == 0, out
    assert (
        line_with(out, "Bot API")
        == "– Chưa kiểm tra Bot API và nhóm của các đơn vị: chưa đặt TINBAO_BOT_TOKEN."
    )
    assert "Đơn vị" not in out.replace("các đơn vị", "")


async def test_clocks_never_swept_are_a_cross(
    group: dict[str, Any], bot_operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await tinbao(capsys, "doctor")
    assert code == 1
    assert line_with(out, "Đồng hồ tin báo").startswith("✗ Đồng hồ tin báo: chưa kiểm tra lần nào")


async def test_clocks_swept_more_than_three_periods_ago_are_a_cross(
    storage: Storage, group: dict[str, Any], bot_operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    period = load_settings(secret_key=SECRET).clock_sweep_seconds
    await record_run(
        storage.database, TIP_CLOCKS, datetime.now(UTC) - timedelta(seconds=3 * period + 30)
    )
    code, out, _ = await tinbao(capsys, "doctor")
    assert code == 1
    assert line_with(out, "Đồng hồ tin báo").startswith("✗ Đồng hồ tin báo: kiểm tra lần cuối")


async def test_a_database_behind_the_code_is_a_cross_naming_the_upgrade(
    empty_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    operator_shell(monkeypatch, tmp_path, database_url=empty_database_url)
    code, out, _ = await tinbao(capsys, "doctor")
    assert code == 1
    assert out.splitlines()[-1] == (
        "✗ Cơ sở dữ liệu chưa có bảng nào của tinbao: hãy chạy «tinbao db upgrade»."
    )


async def test_json_says_ok_and_each_check_for_a_monitoring_system(
    sandbox: SandboxServer,
    group: dict[str, Any],
    swept: None,
    bot_operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert json.loads((await tinbao(capsys, "doctor", "--json"))[1])["ok"] is True
    await sandbox.client.remove_bot(group["id"])
    code, out, _ = await tinbao(capsys, "doctor", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    by_name = {check["name"]: check for check in report["checks"]}
    assert by_name["unit_1"]["ok"] is False and by_name["bot_api"]["ok"] is True


async def queue_for(storage: Storage, group: dict[str, Any], minutes_ago: int) -> None:
    """A message to the group, queued ``minutes_ago`` and not sent since (no service runs)."""
    destination = Destination(group["id"], "group", storage.keyring.pseudonym("chat", group["id"]))
    async with storage.transaction() as uow:
        queued = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        await uow.outbox.enqueue(destination, "sendMessage", {"text": "Xin chào"}, queued)


@pytest.mark.parametrize(
    ("minutes", "exit_code", "line"),
    [
        (2, 0, "✓ Hộp thư đi: tin chờ lâu nhất đã 2 phút."),
        (12, 1, "✗ Hộp thư đi: tin chờ lâu nhất đã 12 phút (quá 5 phút)"),
    ],
    ids=["a few minutes is still fine", "over five minutes is a cross"],
)
async def test_the_oldest_waiting_message_is_a_cross_after_five_minutes(
    storage: Storage,
    group: dict[str, Any],
    swept: None,
    bot_operator: None,
    capsys: pytest.CaptureFixture[str],
    minutes: int,
    exit_code: int,
    line: str,
) -> None:
    await queue_for(storage, group, minutes_ago=minutes)
    code, out, _ = await tinbao(capsys, "doctor")
    assert code == exit_code, out
    assert line_with(out, "tin chờ lâu nhất").startswith(line)
