"""Flood limits: token buckets that refuse without consuming and say the real wait."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from sandbox.limits import Limits
from sandbox.pytest_plugin import SandboxFactory
from sandbox.server import SandboxServer


async def test_a_private_chat_allows_a_burst_of_three_then_waits_a_second(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    for n in range(3):
        await bot.send_message(user["id"], f"tin {n}")
    with pytest.raises(RetryAfter) as refusal:
        await bot.send_message(user["id"], "tin 4")
    assert refusal.value.retry_after.total_seconds() == 1


async def test_a_refused_request_consumes_no_token(sandbox_factory: SandboxFactory) -> None:
    sandbox = await sandbox_factory(limits=Limits(global_per_second=3, private_burst=1))
    users = [await sandbox.client.create_user(first_name=f"P{n}") for n in range(4)]
    async with Bot(sandbox.token, base_url=sandbox.bot_api_url) as bot:
        await bot.send_message(users[0]["id"], "1")
        with pytest.raises(RetryAfter):
            await bot.send_message(users[0]["id"], "2")  # private bucket empty
        await bot.send_message(users[1]["id"], "3")
        await bot.send_message(users[2]["id"], "4")
        with pytest.raises(RetryAfter):
            await bot.send_message(users[3]["id"], "5")  # global bucket empty
    counters = await sandbox.client.counters()
    assert counters["too_many_requests"] == {"global": 1, "private": 1, "group": 0}


async def test_limits_change_and_switch_off_at_run_time(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    changed = await sandbox.client.set_limits(private_per_second=None)
    assert changed["private_per_second"] is None
    assert (await sandbox.client.limits())["global_per_second"] == 30
    for n in range(10):
        await bot.send_message(user["id"], f"tin {n}")


async def test_reading_methods_are_not_limited(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.set_limits(global_per_second=1)
    await bot.send_message(user["id"], "một")
    for _ in range(5):
        await bot.get_me()
        await bot.get_updates()
        await bot.send_chat_action(user["id"], "typing")
    with pytest.raises(RetryAfter):
        await bot.send_message(user["id"], "hai")


async def test_counters_count_requests_by_method_and_reset(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await bot.send_message(user["id"], "alo")
    counters = await sandbox.client.counters()
    assert counters["requests"]["sendmessage"] == 1 and counters["requests"]["getme"] == 1
    await sandbox.client.reset_counters()
    assert (await sandbox.client.counters())["requests"] == {}
