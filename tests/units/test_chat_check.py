"""A unit's group is checked through the Bot API: `tinbao unit add` refuses a chat the bot
cannot post in, and the service names every such unit when it starts, and keeps running."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.cli import operator_shell, tinbao
from tests.support.people import resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, link_commune


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def add_unit(capsys: pytest.CaptureFixture[str], chat_id: int) -> tuple[int, str, str]:
    return await tinbao(capsys, "unit", "add", "--commune", "26743", "--chat", str(chat_id))


def refusal(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code != 0 and out == "", (code, out, err)
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err.strip()


async def test_a_group_the_bot_may_post_in_becomes_a_unit(
    sandbox: SandboxServer, bot_operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    group = await sandbox.client.create_group("CA Bến Thành")
    code, out, err = await add_unit(capsys, group["id"])
    assert (code, err) == (0, "")
    assert out.startswith("Đơn vị 1: Công an Phường Bến Thành")


async def test_a_person_s_id_is_refused_as_a_unit_s_chat(
    sandbox: SandboxServer, bot_operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    lan = await resident(sandbox.client)
    line = refusal(await add_unit(capsys, lan.id))
    assert f"{lan.id} là mã của một người" in line


async def test_a_group_the_bot_is_not_in_is_refused(
    bot_operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    line = refusal(await add_unit(capsys, -1009999999))
    assert "hãy thêm bot vào nhóm" in line


async def test_a_group_that_removed_the_bot_is_refused(
    sandbox: SandboxServer, bot_operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    group = await sandbox.client.create_group("CA Bến Thành")
    await sandbox.client.remove_bot(group["id"])
    line = refusal(await add_unit(capsys, group["id"]))
    assert "Bot không còn trong nhóm" in line


@pytest.mark.parametrize(
    "group",
    [{"bot_status": "restricted"}, {"members_may_send": False}],
    ids=["the bot is restricted", "only administrators may post"],
)
async def test_a_group_where_the_bot_may_not_post_is_refused(
    sandbox: SandboxServer,
    bot_operator: None,
    capsys: pytest.CaptureFixture[str],
    group: dict[str, Any],
) -> None:
    chat = await sandbox.client.create_group("CA Bến Thành", **group)
    line = refusal(await add_unit(capsys, chat["id"]))
    assert "Bot không được gửi tin" in line


async def test_an_administrator_bot_may_post_where_members_may_not(
    sandbox: SandboxServer, bot_operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = await sandbox.client.create_group(
        "CA Bến Thành", bot_status="administrator", members_may_send=False
    )
    code, _out, err = await add_unit(capsys, chat["id"])
    assert (code, err) == (0, "")


async def test_without_a_token_the_unit_is_added_with_a_warning_that_nothing_was_checked(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    operator_shell(monkeypatch, tmp_path, database_url=database_url)
    code, out, err = await add_unit(capsys, -100123)
    assert code == 0 and out.startswith("Đơn vị 1:")
    assert err.splitlines() == ["tinbao: Chưa kiểm tra được nhóm: chưa đặt TINBAO_BOT_TOKEN."]


async def test_the_service_names_each_unit_whose_group_is_broken_and_keeps_serving(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    working = await sandbox.client.create_group("CA Bến Thành")
    removed = await sandbox.client.create_group("CA Tân Định")
    await link_commune(storage, working["id"], "26743")
    await link_commune(storage, removed["id"], "26737")
    await sandbox.client.remove_bot(removed["id"])
    lan = await resident(sandbox.client)
    caplog.set_level(logging.WARNING, logger="bot.runtime.chat_check")
    async with running_service(sandbox, database_url, **FAST_SERVICE) as service:
        assert await service.chats_checked == 1
        await lan.say("/start", expect=2)
    [warning] = [r for r in caplog.records if r.name == "bot.runtime.chat_check"]
    assert warning.levelno == logging.WARNING
    message = warning.getMessage()
    assert f"unit 2 (Công an Phường Tân Định) cannot receive cards in chat {removed['id']}" in (
        message
    )
    assert message.endswith("not_member")
