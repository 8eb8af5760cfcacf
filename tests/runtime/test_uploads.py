"""Files through the outbox: a queued photo or document reaches the chat with its bytes and
name, survives a failed attempt, and what Telegram would refuse is refused when it is queued."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.clock import Clock
from sandbox.server import SandboxServer
from storage.models import OutboxStatus
from storage.outbox import FILE_LIMIT, PHOTO_LIMIT, Destination, UploadRefused, upload
from storage.uow import Storage
from tests.support.service import running_service

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
WORKBOOK = b"PK\x03\x04" + bytes(range(256)) * 40


def private(user: dict[str, Any], storage: Storage) -> Destination:
    return Destination(user["id"], "private", storage.keyring.pseudonym("chat", user["id"]))


async def queue(storage: Storage, destination: Destination, method: str, **params: Any) -> int:
    async with storage.transaction() as uow:
        return await uow.outbox.enqueue(destination, method, params, Clock().now())


def content(sandbox: SandboxServer, file_id: str) -> bytes:
    return sandbox.world.file(file_id).content


async def test_a_queued_document_arrives_with_its_name_and_bytes(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    document = upload("bao-cao-phuong-ben-thanh-2026-11.xlsx", WORKBOOK)
    row = await queue(
        storage, private(user, storage), "sendDocument", document=document, caption="Báo cáo"
    )
    async with running_service(sandbox, database_url) as service:
        service.sender.wake()
        [message] = await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=15)
    assert message["document"]["file_name"] == "bao-cao-phuong-ben-thanh-2026-11.xlsx"
    assert message["caption"] == "Báo cáo"
    assert content(sandbox, message["document"]["file_id"]) == WORKBOOK
    async with storage.transaction() as uow:
        assert await uow.outbox.status(row) == OutboxStatus.SENT


async def test_a_queued_photo_arrives_with_its_bytes(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await queue(storage, private(user, storage), "sendPhoto", photo=upload("map.png", PNG))
    async with running_service(sandbox, database_url) as service:
        service.sender.wake()
        [message] = await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=15)
    assert message["kind"] == "photo"
    assert content(sandbox, message["photo"][-1]["file_id"]) == PNG


@pytest.mark.parametrize("status", [502, 429])
async def test_a_file_refused_once_is_sent_again_whole(
    sandbox: SandboxServer, storage: Storage, database_url: str, status: int
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.fail_next(
        "sendDocument", 1, status=status, retry_after=1 if status == 429 else None
    )
    document = upload("bao-cao.xlsx", WORKBOOK)
    await queue(storage, private(user, storage), "sendDocument", document=document)
    async with running_service(sandbox, database_url) as service:
        service.sender.wake()
        [message] = await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=20)
    assert (await sandbox.client.counters())["requests"]["senddocument"] == 2
    assert message["document"]["file_name"] == "bao-cao.xlsx"
    assert content(sandbox, message["document"]["file_id"]) == WORKBOOK


async def test_a_photo_over_10_mb_is_refused_when_queued(storage: Storage) -> None:
    destination = Destination(1, "private", "lane")
    with pytest.raises(UploadRefused, match="sendPhoto takes at most"):
        await queue(
            storage, destination, "sendPhoto", photo=upload("big.png", b"x" * (PHOTO_LIMIT + 1))
        )


async def test_a_document_over_50_mb_is_refused_when_queued(storage: Storage) -> None:
    destination = Destination(1, "private", "lane")
    big = upload("big.xlsx", b"x" * (FILE_LIMIT + 1))
    with pytest.raises(UploadRefused, match="sendDocument takes at most"):
        await queue(storage, destination, "sendDocument", document=big)


async def test_an_empty_file_is_refused_when_queued(storage: Storage) -> None:
    destination = Destination(1, "private", "lane")
    with pytest.raises(UploadRefused, match="empty"):
        await queue(storage, destination, "sendDocument", document=upload("empty.xlsx", b""))


async def test_a_document_of_10_mb_and_more_is_not_a_photo_and_may_be_queued(
    storage: Storage,
) -> None:
    destination = Destination(1, "private", "lane")
    document = upload("large.xlsx", b"x" * (PHOTO_LIMIT + 1))
    assert await queue(storage, destination, "sendDocument", document=document) > 0
