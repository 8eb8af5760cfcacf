"""The outbox sender delivers within Telegram's limits and records what happened."""

from __future__ import annotations

from typing import Any

from bot.core.clock import Clock
from bot.core.keyring import Keyring
from sandbox.server import SandboxServer
from storage.db import Database
from storage.models import OutboxStatus
from storage.outbox import Destination
from storage.uow import Storage
from tests.support.service import running_service


def private(user: dict[str, Any], keyring: Keyring) -> Destination:
    return Destination(user["id"], "private", keyring.pseudonym("chat", user["id"]))


async def queue_texts(
    storage: Storage, destination: Destination, texts: list[str], **params: Any
) -> list[int]:
    async with storage.transaction() as uow:
        return [
            await uow.outbox.enqueue(
                destination, "sendMessage", {"text": text, **params}, Clock().now()
            )
            for text in texts
        ]


async def statuses(storage: Storage, ids: list[int]) -> list[tuple[str, int | None]]:
    async with storage.transaction() as uow:
        return [await uow.outbox.sent_message_id(row) for row in ids]


async def test_messages_reach_a_chat_in_order_with_their_message_ids(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    rows = await queue_texts(storage, private(user, storage.keyring), ["một", "hai", "ba"])
    async with running_service(sandbox, database_url) as service:
        service.sender.wake()
        delivered = await sandbox.client.wait_for_bot_messages(user["id"], 3, timeout=15)
    assert [m["text"] for m in delivered] == ["một", "hai", "ba"]
    recorded = await statuses(storage, rows)
    assert recorded == [(OutboxStatus.SENT, m["message_id"]) for m in delivered]


async def test_a_429_is_waited_out_and_nothing_is_lost(
    sandbox_factory: Any, storage: Storage, database_url: str
) -> None:
    from sandbox.limits import Limits

    # One message per 2 s: the sender's pace (20 a second here) is always faster, even when a
    # loaded machine delays its next claim by its idle second, so a 429 is certain.
    sandbox = await sandbox_factory(limits=Limits(private_per_second=0.5, private_burst=1))
    user = await sandbox.client.create_user(first_name="Lan")
    texts = [f"tin {n}" for n in range(4)]
    await queue_texts(storage, private(user, storage.keyring), texts)
    async with running_service(sandbox, database_url, private_chat_rate=20.0):
        delivered = await sandbox.client.wait_for_bot_messages(user["id"], 4, timeout=30)
    assert [m["text"] for m in delivered] == texts
    assert (await sandbox.client.counters())["too_many_requests"]["private"] >= 1


async def test_messages_to_a_group_are_spaced_at_the_group_rate(
    sandbox_factory: Any, storage: Storage, database_url: str
) -> None:
    from sandbox.limits import Limits

    # The sandbox refuses a group message that follows the last within 0.6 s; the sender
    # spaces them a second apart, so none is refused.
    sandbox = await sandbox_factory(limits=Limits(group_per_minute=100, group_burst=1))
    group = await sandbox.client.create_group("CA Bến Thành")
    destination = Destination(group["id"], "group", storage.keyring.pseudonym("chat", group["id"]))
    texts = ["một", "hai", "ba"]
    await queue_texts(storage, destination, texts)
    async with running_service(sandbox, database_url, group_rate_per_minute=60) as service:
        service.sender.wake()
        delivered = await sandbox.client.wait_for_bot_messages(group["id"], 3, timeout=15)
    assert [m["text"] for m in delivered] == texts
    assert (await sandbox.client.counters())["too_many_requests"]["group"] == 0


async def test_a_blocked_bot_marks_the_chat_and_stops_its_queue(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.block_bot(user["id"])
    destination = private(user, storage.keyring)
    rows = await queue_texts(storage, destination, ["một", "hai"])
    async with running_service(sandbox, database_url) as service:
        service.sender.wake()
        await sandbox.client.wait_for_counter("forbidden", 1, timeout=15)
        await service.sender.stop()
    assert [status for status, _ in await statuses(storage, rows)] == [OutboxStatus.BLOCKED] * 2
    async with storage.transaction() as uow:
        assert await uow.chats.is_blocked(destination.lane)


async def test_an_edit_refers_to_the_message_sent_before_it(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    destination = private(user, storage.keyring)
    keyboard = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    async with storage.transaction() as uow:
        now = Clock().now()
        card = await uow.outbox.enqueue(
            destination, "sendMessage", {"text": "mới", "reply_markup": keyboard}, now
        )
        edit = await uow.outbox.enqueue(
            destination, "editMessageText", {"text": "đã nhận"}, now, refers_to=card
        )
        same = await uow.outbox.enqueue(
            destination, "editMessageText", {"text": "đã nhận"}, now, refers_to=card
        )
    async with running_service(sandbox, database_url) as service:
        service.sender.wake()
        await sandbox.client.wait_for_counter("requests", 2, method="editMessageText", timeout=15)
        await service.sender.stop()
    [message] = await sandbox.client.bot_messages(user["id"])
    assert message["text"] == "đã nhận"
    assert [version["text"] for version in message["edits"]] == ["mới"]
    recorded = await statuses(storage, [card, edit, same])
    assert recorded == [(OutboxStatus.SENT, message["message_id"])] * 3


async def test_a_database_reopened_after_stop_shows_no_message_in_flight(
    sandbox: SandboxServer, database_url: str, keyring: Keyring
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    storage = Storage(Database(database_url), keyring)
    await queue_texts(storage, private(user, keyring), [f"{n}" for n in range(3)])
    async with running_service(sandbox, database_url) as service:
        service.sender.wake()
        await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=15)
    async with storage.transaction() as uow:
        assert OutboxStatus.SENDING not in await uow.outbox.counts()
    await storage.close()


async def test_a_server_error_is_retried_with_backoff(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.fail_next("sendMessage", 1)
    rows = await queue_texts(storage, private(user, storage.keyring), ["một", "hai"])
    async with running_service(sandbox, database_url) as service:
        service.sender.wake()
        delivered = await sandbox.client.wait_for_bot_messages(user["id"], 2, timeout=15)
    assert [m["text"] for m in delivered] == ["một", "hai"]
    assert [status for status, _ in await statuses(storage, rows)] == [OutboxStatus.SENT] * 2
    assert (await sandbox.client.counters())["requests"]["sendmessage"] == 3


async def test_a_message_referring_to_a_failed_one_is_still_sent(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    nowhere = Destination(424242, "private", storage.keyring.pseudonym("chat", 424242))
    async with storage.transaction() as uow:
        now = Clock().now()
        lost = await uow.outbox.enqueue(nowhere, "sendMessage", {"text": "?"}, now)
        await uow.outbox.enqueue(
            private(user, storage.keyring), "sendMessage", {"text": "vẫn đến"}, now, refers_to=lost
        )
    async with running_service(sandbox, database_url) as service:
        service.sender.wake()
        [message] = await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=15)
    assert message["text"] == "vẫn đến"
    assert await statuses(storage, [lost]) == [(OutboxStatus.FAILED, None)]
