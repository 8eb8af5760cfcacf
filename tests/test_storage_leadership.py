"""Only one process at a time sends the outbox."""

import pytest

from storage.db import Database
from storage.leadership import Leadership


async def test_one_leader_at_a_time_and_a_successor_when_it_goes(database_url: str) -> None:
    first_db, second_db = Database(database_url), Database(database_url)
    first, second = Leadership(first_db), Leadership(second_db)
    try:
        assert await first.try_acquire()
        if first_db.dialect != "postgresql":
            pytest.skip("SQLite runs a single process, which always leads")
        assert not await second.try_acquire()
        await first.release()
        assert await second.try_acquire()
    finally:
        await first.release()
        await second.release()
        await first_db.close()
        await second_db.close()
