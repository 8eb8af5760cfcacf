"""tinbao outbox failed|retry: the operator sees what the sender gave up on, and why, without
learning who it was for, and sends it again once the cause is fixed."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.cli import tinbao
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, TIP_CODE, linked_group

DESCRIPTION = "Có người bán ma túy ở hẻm 12."
# A refusal of the card alone: the group itself still works, so its location still goes there.
CANT_PARSE = "Bad Request: can't parse entities: unsupported start tag at byte offset 0"


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def group(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    return await linked_group(sandbox.client, storage)


async def file_located_tip(lan: Person) -> str:
    """A tip with a shared location; returns its code. Its card goes to the group first, then
    the location as a reply to it."""
    await lan.say("/start", expect=2)
    await lan.press("Gửi tin báo")
    await lan.press("Ma túy")
    await lan.share_location(10.7725, 106.6980)
    await lan.press("Phường Bến Thành", expect=2)
    await lan.say(DESCRIPTION)
    await lan.press("Tiếp tục")
    await lan.press("Hôm nay")
    [receipt] = await lan.press("Gửi tin báo")
    found = TIP_CODE.search(receipt["text"])
    assert found is not None, receipt["text"]
    return found.group(0)


@pytest.fixture
async def refused_card(
    sandbox: SandboxServer, database_url: str, group: dict[str, Any]
) -> tuple[str, int]:
    """A tip whose card Telegram refused ("can't parse entities"); its location went out alone,
    which it does only once the card's failure is recorded. Returns (tip code, outbox id)."""
    lan = await resident(sandbox.client)
    await sandbox.client.fail_next(
        "sendMessage", 1, group["id"], status=400, description=CANT_PARSE
    )
    async with running_service(sandbox, database_url, **FAST_SERVICE) as service:
        code = await file_located_tip(lan)
        [location] = await sandbox.client.wait_for_bot_messages(group["id"], 1, timeout=15)
        assert location["kind"] == "location" and not location.get("reply_to_message_id")
        async with service.storage.transaction() as uow:
            [card] = await uow.outbox.undelivered("failed")
    return code, card.id


async def test_a_refused_card_is_listed_with_its_tip_code_and_reason_but_not_its_chat(
    refused_card: tuple[str, int],
    group: dict[str, Any],
    operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, row_id = refused_card
    exit_code, out, _ = await tinbao(capsys, "outbox", "failed")
    assert exit_code == 0
    [line] = out.splitlines()
    assert line.startswith(f"#{row_id} ")
    assert f"tin báo {code}" in line and "nhóm" in line and "can't parse entities" in line.lower()
    assert str(group["id"]) not in line and DESCRIPTION not in line


async def test_a_retried_card_reaches_the_group_once_the_cause_is_fixed(
    refused_card: tuple[str, int],
    sandbox: SandboxServer,
    database_url: str,
    group: dict[str, Any],
    operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, row_id = refused_card
    exit_code, out, _ = await tinbao(capsys, "outbox", "retry", str(row_id))
    assert exit_code == 0 and out.strip() == "Đã đưa 1 tin trở lại hàng đợi gửi."
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        _location, card = await sandbox.client.wait_for_bot_messages(group["id"], 2, timeout=15)
    assert code in card["text"]
    assert (await tinbao(capsys, "outbox", "failed"))[1].strip() == "Không có tin nào gửi lỗi."


async def test_retry_all_requeues_every_failed_message(
    refused_card: tuple[str, int], operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code, out, _ = await tinbao(capsys, "outbox", "retry", "--all")
    assert exit_code == 0 and out.strip() == "Đã đưa 1 tin trở lại hàng đợi gửi."
    assert (await tinbao(capsys, "outbox", "failed"))[1].strip() == "Không có tin nào gửi lỗi."


async def test_an_unknown_message_number_is_refused_in_one_line(
    operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code, out, err = await tinbao(capsys, "outbox", "retry", "999")
    assert exit_code != 0 and out == ""
    assert err.splitlines() == [
        "tinbao: Không có tin số 999 trong hàng đợi gửi. Xem danh sách: tinbao outbox failed"
    ]


async def test_a_message_to_a_person_who_blocked_the_bot_is_listed_but_never_retried(
    sandbox: SandboxServer,
    database_url: str,
    operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lan = await resident(sandbox.client)
    await sandbox.client.fail_next(
        "sendMessage", 1, lan.id, status=403, description="Forbidden: bot was blocked by the user"
    )
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await sandbox.client.send_text(lan.id, lan.id, "/start")
        await sandbox.client.wait_for_counter("forbidden", 1)
    # stopping the service waited for the refused call to be recorded
    _, listed, _ = await tinbao(capsys, "outbox", "failed", "--blocked")
    first = re.match(r"#(\d+) ", listed)
    assert first is not None and "trò chuyện riêng" in listed, listed
    exit_code, out, err = await tinbao(capsys, "outbox", "retry", first.group(1))
    assert exit_code != 0 and out == "" and len(err.splitlines()) == 1
    assert "đã chặn bot" in err
    assert (await tinbao(capsys, "outbox", "retry", "--all", "--blocked"))[1].startswith("Đã đưa 0")
