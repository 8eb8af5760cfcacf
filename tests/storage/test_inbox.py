"""The inbox keeps every update once, sealed, and hands out each chat's updates in order."""

from datetime import UTC, datetime, timedelta

from storage.inbox import ReceivedUpdate
from storage.models import InboxStatus
from storage.uow import Storage

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def update(update_id: int, lane: str) -> ReceivedUpdate:
    return ReceivedUpdate(update_id, lane, {"update_id": update_id, "message": {"text": "hi"}})


async def test_storing_the_same_update_twice_keeps_one(storage: Storage) -> None:
    async with storage.transaction() as uow:
        assert await uow.inbox.store([update(1, "a"), update(2, "a")], NOW) == 2
    async with storage.transaction() as uow:
        assert await uow.inbox.store([update(2, "a"), update(3, "a")], NOW) == 1
        assert await uow.inbox.counts() == {InboxStatus.PENDING: 3}


async def test_heads_give_the_oldest_update_of_each_chat(storage: Storage) -> None:
    async with storage.transaction() as uow:
        await uow.inbox.store([update(1, "a"), update(2, "b"), update(3, "a")], NOW)
        heads = await uow.inbox.heads(NOW, set(), limit=10)
    assert [(h.update_id, h.lane) for h in heads] == [(1, "a"), (2, "b")]
    assert heads[0].payload["message"]["text"] == "hi"


async def test_a_busy_chat_is_skipped(storage: Storage) -> None:
    async with storage.transaction() as uow:
        await uow.inbox.store([update(1, "a"), update(2, "b")], NOW)
        heads = await uow.inbox.heads(NOW, {"a"}, limit=10)
    assert [h.update_id for h in heads] == [2]


async def test_an_update_waiting_to_retry_holds_back_its_chat(storage: Storage) -> None:
    async with storage.transaction() as uow:
        await uow.inbox.store([update(1, "a"), update(2, "a"), update(3, "b")], NOW)
        await uow.inbox.schedule_retry(1, 1, "Boom", NOW + timedelta(seconds=5))
    async with storage.transaction() as uow:
        assert [h.update_id for h in await uow.inbox.heads(NOW, set(), 10)] == [3]
        later = await uow.inbox.heads(NOW + timedelta(seconds=6), set(), 10)
    assert [h.update_id for h in later] == [1, 3]


async def test_a_done_update_lets_the_next_one_through(storage: Storage) -> None:
    async with storage.transaction() as uow:
        await uow.inbox.store([update(1, "a"), update(2, "a")], NOW)
        assert await uow.inbox.claim(1)
        await uow.inbox.mark_done(1, NOW)
    async with storage.transaction() as uow:
        assert not await uow.inbox.claim(1)
        assert [h.update_id for h in await uow.inbox.heads(NOW, set(), 10)] == [2]


async def test_payloads_are_sealed_at_rest(storage: Storage) -> None:
    secret_text = "canary-text-4242"
    received = ReceivedUpdate(7, "a", {"update_id": 7, "message": {"text": secret_text}})
    async with storage.transaction() as uow:
        await uow.inbox.store([received], NOW)
    async with storage.database.engine.connect() as connection:
        raw = (await connection.exec_driver_sql("SELECT payload FROM inbox_update")).scalar()
    assert secret_text.encode() not in bytes(raw)


async def test_handled_updates_are_purged_after_retention(storage: Storage) -> None:
    async with storage.transaction() as uow:
        await uow.inbox.store([update(1, "a"), update(2, "a")], NOW)
        await uow.inbox.mark_done(1, NOW)
    async with storage.transaction() as uow:
        assert await uow.inbox.purge_handled(NOW + timedelta(days=3)) == 1
        assert await uow.inbox.counts() == {InboxStatus.PENDING: 1}


async def test_heads_of_given_chats_leave_the_other_chats_out(storage: Storage) -> None:
    async with storage.transaction() as uow:
        await uow.inbox.store([update(1, "a"), update(2, "b"), update(3, "a"), update(4, "c")], NOW)
        heads = await uow.inbox.heads(NOW, set(), 10, lanes={"a", "c"})
    assert [h.update_id for h in heads] == [1, 4]


async def test_an_update_waiting_to_retry_cannot_be_claimed_before_it_is_due(
    storage: Storage,
) -> None:
    async with storage.transaction() as uow:
        await uow.inbox.store([update(1, "a")], NOW)
        await uow.inbox.schedule_retry(1, 1, "Boom", NOW + timedelta(seconds=5))
    async with storage.transaction() as uow:
        assert not await uow.inbox.claim(1, NOW)
    async with storage.transaction() as uow:
        assert await uow.inbox.claim(1, NOW + timedelta(seconds=5))
