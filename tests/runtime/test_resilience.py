"""The service never stops taking tips by itself: Telegram's errors are ridden out, and what
cannot be ridden out stops it with one line and a non-zero exit status."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.core.clock import Clock
from bot.core.keyring import Keyring
from bot.runtime.service import Service
from handlers import register
from sandbox.server import SandboxServer
from storage.db import Database
from storage.inbox import ReceivedUpdate
from storage.uow import Storage
from tests.support.service import ServiceProcess, running_service, settings_for

POLLER_LOG = "bot.runtime.poller"


def lines(caplog: pytest.LogCaptureFixture, logger: str, containing: str) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == logger and containing in r.getMessage()
    ]


async def say_help(sandbox: SandboxServer, first_name: str) -> str:
    """A person sends /help; returns the bot's answer."""
    user = await sandbox.client.create_user(first_name=first_name, language_code="vi")
    await sandbox.client.send_text(user["id"], user["id"], "/help")
    [reply] = await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=30)
    return str(reply["text"])


async def test_a_429_on_get_updates_is_waited_out_and_later_tips_are_answered(
    sandbox: SandboxServer, database_url: str
) -> None:
    await sandbox.client.fail_next("getUpdates", 1, status=429, retry_after=1)
    async with running_service(sandbox, database_url) as service:
        assert "Hướng dẫn" in await say_help(sandbox, "Lan")
        assert not service._stopped.is_set()
    assert service.exit_status == 0


async def test_a_409_on_get_updates_is_ridden_out_with_one_log_line(
    sandbox: SandboxServer, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await sandbox.client.fail_next("getUpdates", 1, status=409)
    async with running_service(sandbox, database_url) as service:
        assert "Hướng dẫn" in await say_help(sandbox, "Lan")
        assert not service._stopped.is_set()
    assert len(lines(caplog, POLLER_LOG, "409")) == 1


async def test_a_lasting_409_says_another_instance_holds_the_token(
    sandbox: SandboxServer, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await sandbox.client.fail_next("getUpdates", 3, status=409)
    async with running_service(sandbox, database_url):
        assert "Hướng dẫn" in await say_help(sandbox, "Lan")
    assert len(lines(caplog, POLLER_LOG, "another instance is polling")) == 1


async def test_start_up_rides_out_bad_gateways_and_429s(
    sandbox: SandboxServer, database_url: str
) -> None:
    for method in ("getMe", "setMyCommands", "deleteWebhook"):
        await sandbox.client.fail_next(method, 2, status=502)
    await sandbox.client.fail_next("setMyCommands", 1, status=429, retry_after=1)
    async with running_service(sandbox, database_url):
        assert "Hướng dẫn" in await say_help(sandbox, "Lan")


async def test_a_token_refused_at_start_is_one_line_and_a_non_zero_exit(
    tmp_path: Path, sandbox: SandboxServer, database_url: str
) -> None:
    log_path = tmp_path / "service.log"
    service = ServiceProcess(sandbox, database_url, log_path, TINBAO_LOG_LEVEL="INFO")
    await sandbox.client.fail_next("getMe", 1, status=401, description="Unauthorized")
    service.start()
    assert service.process is not None
    assert await asyncio.to_thread(service.process.wait, 60) == 2
    assert log_path.read_text().strip().splitlines() == [
        "tinbao: error: TINBAO_BOT_TOKEN was refused by the Bot API server"
    ]


async def test_a_revoked_token_stops_tinbao_run_with_a_non_zero_exit(
    tmp_path: Path, sandbox: SandboxServer, database_url: str
) -> None:
    log_path = tmp_path / "service.log"
    service = ServiceProcess(sandbox, database_url, log_path)
    await sandbox.client.fail_next("getUpdates", 1, status=401, description="Unauthorized")
    service.start()
    assert service.process is not None
    status = await asyncio.to_thread(service.process.wait, 60)
    assert status != 0
    log = log_path.read_text()
    assert "refused TINBAO_BOT_TOKEN" in log
    assert "Traceback" not in log


async def test_a_background_task_that_fails_stops_tinbao_run_naming_it(
    tmp_path: Path, sandbox: SandboxServer, database_url: str
) -> None:
    """An inbox row sealed with another secret key (an operator changed TINBAO_SECRET_KEY)
    cannot be read: the dispatcher fails, and the service says so and exits non-zero."""
    stranger = Storage(Database(database_url), Keyring(b"another-secret-key-0123456789abcdef-xyz"))
    try:
        async with stranger.transaction() as uow:
            payload = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "x"}}
            await uow.inbox.store([ReceivedUpdate(1, "no-chat", payload)], Clock().now())
    finally:
        await stranger.close()
    log_path = tmp_path / "service.log"
    service = ServiceProcess(sandbox, database_url, log_path)
    service.start()
    assert service.process is not None
    status = await asyncio.to_thread(service.process.wait, 60)
    assert status == 1
    assert "the dispatcher failed" in log_path.read_text()


async def test_of_two_instances_only_one_polls(
    sandbox: SandboxServer, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with (
        running_service(sandbox, database_url) as first,
        running_service(sandbox, database_url) as second,
    ):
        for name in ("Lan", "Minh", "Hoa"):
            assert "Hướng dẫn" in await say_help(sandbox, name)
        assert (first.poller is None) != (second.poller is None)
        assert not first._stopped.is_set() and not second._stopped.is_set()
    assert lines(caplog, POLLER_LOG, "409") == []


async def test_when_the_polling_instance_stops_the_other_takes_over(
    sandbox: SandboxServer, database_url: str
) -> None:
    first = Service(settings_for(sandbox, database_url), register)
    await first.start()
    first_running = True
    try:
        async with running_service(sandbox, database_url) as second:
            assert "Hướng dẫn" in await say_help(sandbox, "Lan")
            first_running = False
            await first.stop()
            assert "Hướng dẫn" in await say_help(sandbox, "Minh")
            assert second.poller is not None
    finally:
        if first_running:
            await first.stop()
