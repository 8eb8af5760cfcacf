"""The outbox keeps calls per chat in order and records what happened to each."""

from datetime import UTC, datetime, timedelta

from storage.models import OutboxStatus
from storage.outbox import Destination
from storage.uow import Storage

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ALICE = Destination(chat_id=111, chat_kind="private", lane="lane-alice")
GROUP = Destination(chat_id=-100222, chat_kind="supergroup", lane="lane-group")


async def enqueue(storage: Storage, destination: Destination, text: str, **kwargs: object) -> int:
    async with storage.transaction() as uow:
        return await uow.outbox.enqueue(destination, "sendMessage", {"text": text}, NOW, **kwargs)


async def test_enqueued_calls_come_back_with_their_chat(storage: Storage) -> None:
    row = await enqueue(storage, ALICE, "hello", purpose="reply", source_update_id=5)
    async with storage.transaction() as uow:
        [call] = await uow.outbox.heads(NOW, set(), 10)
    assert call.id == row
    assert call.params == {"chat_id": 111, "text": "hello"}
    assert (call.method, call.chat_kind, call.lane) == ("sendMessage", "private", "lane-alice")


async def test_only_the_oldest_call_of_a_chat_is_due(storage: Storage) -> None:
    first = await enqueue(storage, ALICE, "1")
    await enqueue(storage, ALICE, "2")
    group = await enqueue(storage, GROUP, "g")
    async with storage.transaction() as uow:
        assert [c.id for c in await uow.outbox.heads(NOW, set(), 10)] == [first, group]


async def test_a_call_being_sent_holds_back_the_rest_of_its_chat(storage: Storage) -> None:
    first = await enqueue(storage, ALICE, "1")
    await enqueue(storage, ALICE, "2")
    async with storage.transaction() as uow:
        assert await uow.outbox.claim(first, NOW + timedelta(minutes=2))
        assert not await uow.outbox.claim(first, NOW + timedelta(minutes=2))
    async with storage.transaction() as uow:
        assert await uow.outbox.heads(NOW, set(), 10) == []


async def test_a_sent_call_records_its_message_id(storage: Storage) -> None:
    first = await enqueue(storage, ALICE, "1")
    second = await enqueue(storage, ALICE, "2", refers_to=first)
    async with storage.transaction() as uow:
        await uow.outbox.claim(first, NOW)
        await uow.outbox.mark_sent(first, 77, NOW)
    async with storage.transaction() as uow:
        assert await uow.outbox.sent_message_id(first) == (OutboxStatus.SENT, 77)
        [call] = await uow.outbox.heads(NOW, set(), 10)
    assert (call.id, call.refers_to) == (second, first)


async def test_a_rescheduled_call_waits_and_keeps_its_place(storage: Storage) -> None:
    first = await enqueue(storage, ALICE, "1")
    await enqueue(storage, ALICE, "2")
    async with storage.transaction() as uow:
        await uow.outbox.claim(first, NOW)
        await uow.outbox.reschedule(first, NOW + timedelta(seconds=3), 0, "429")
    async with storage.transaction() as uow:
        assert await uow.outbox.heads(NOW, set(), 10) == []
        assert [c.id for c in await uow.outbox.heads(NOW + timedelta(seconds=3), set(), 10)] == [
            first
        ]


async def test_claims_left_by_a_stopped_process_are_released(storage: Storage) -> None:
    first = await enqueue(storage, ALICE, "1")
    async with storage.transaction() as uow:
        await uow.outbox.claim(first, NOW + timedelta(minutes=2))
    async with storage.transaction() as uow:
        assert await uow.outbox.release_claims() == 1
        assert [c.id for c in await uow.outbox.heads(NOW, set(), 10)] == [first]


async def test_blocking_a_chat_stops_its_queued_calls(storage: Storage) -> None:
    await enqueue(storage, ALICE, "1")
    await enqueue(storage, ALICE, "2")
    await enqueue(storage, GROUP, "g")
    async with storage.transaction() as uow:
        assert await uow.outbox.block_lane("lane-alice") == 2
        assert await uow.outbox.counts() == {OutboxStatus.BLOCKED: 2, OutboxStatus.PENDING: 1}


async def test_chat_ids_are_sealed_at_rest(storage: Storage) -> None:
    await enqueue(storage, Destination(987654321, "private", "lane-x"), "hi")
    async with storage.database.engine.connect() as connection:
        raw = (await connection.exec_driver_sql("SELECT request FROM outbox_message")).scalar()
    assert b"987654321" not in bytes(raw)


async def test_chat_profiles_remember_language_and_blocking(storage: Storage) -> None:
    async with storage.transaction() as uow:
        await uow.chats.set_language("lane-alice", "en", NOW)
        await uow.chats.set_blocked("lane-alice", True, NOW)
    async with storage.transaction() as uow:
        assert await uow.chats.language("lane-alice") == "en"
        assert await uow.chats.is_blocked("lane-alice")
        assert await uow.chats.language("lane-unknown") is None


async def test_the_head_of_a_chat_that_may_not_send_now_is_left_out(storage: Storage) -> None:
    await enqueue(storage, ALICE, "1")
    group = await enqueue(storage, GROUP, "g")
    asked: list[tuple[str, str]] = []

    def may_send(lane: str, chat_kind: str) -> bool:
        asked.append((lane, chat_kind))
        return chat_kind == "supergroup"

    async with storage.transaction() as uow:
        assert [c.id for c in await uow.outbox.heads(NOW, set(), 10, may_send)] == [group]
    assert asked == [("lane-alice", "private"), ("lane-group", "supergroup")]
