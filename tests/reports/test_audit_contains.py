"""tinbao audit verify --contains HASH: a report's audit head, checked later. It passes only
while the chain is intact AND still holds that link, so figures cannot be back-dated unnoticed:
not by editing an event (the chain breaks), nor by rewriting the chain from it on with the key
(the old head is gone)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.tips.tips import GENESIS, audit_entry
from storage.uow import Storage
from tests.support.cli import operator_shell, tinbao
from tests.support.report_shell import MARCH, file_tips, unit_with_tips


@pytest.fixture
async def shell(
    database_url: str, storage: Storage, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Path:
    """Bến Thành's unit with two tips (four audit events), and ``tinbao`` on its database."""
    await unit_with_tips(storage)
    operator_shell(monkeypatch, tmp_path, database_url=database_url)
    return tmp_path


async def head(storage: Storage) -> str:
    async with storage.transaction() as uow:
        return (await uow.tips.audit_log())[-1].hash


async def verify(capsys: pytest.CaptureFixture[str], link: str) -> tuple[int, str]:
    """The exit code and the one line of ``tinbao audit verify --contains link``."""
    code, out, err = await tinbao(capsys, "audit", "verify", "--contains", link)
    lines = (out + err).strip().splitlines()
    assert len(lines) == 1, lines
    return code, lines[0]


async def test_a_head_taken_before_more_events_is_still_held(
    shell: Path, storage: Storage, capsys: pytest.CaptureFixture[str]
) -> None:
    reported = await head(storage)
    await file_tips(storage, 1, MARCH + timedelta(days=3), first_tipster=200)
    code, line = await verify(capsys, reported)
    assert code == 0
    assert "vẫn chứa mắt xích" in line and "mục 4 trên 6" in line and "09:01:30 02/03/2026" in line


async def test_a_prefix_of_sixteen_characters_names_the_link(
    shell: Path, storage: Storage, capsys: pytest.CaptureFixture[str]
) -> None:
    reported = await head(storage)
    code, line = await verify(capsys, reported[:16].upper())
    assert code == 0 and "mục 4 trên 4" in line


async def test_an_edited_old_event_breaks_the_chain(
    shell: Path, storage: Storage, capsys: pytest.CaptureFixture[str]
) -> None:
    reported = await head(storage)
    async with storage.database.engine.begin() as connection:
        await connection.exec_driver_sql(
            "UPDATE tip_event SET at = at - INTERVAL '1 day' WHERE id = 1"
            if connection.dialect.name == "postgresql"
            else "UPDATE tip_event SET at = datetime(at, '-1 day') WHERE id = 1"
        )
    code, line = await verify(capsys, reported)
    assert code == 1 and "bị phá vỡ tại mục #1" in line


async def test_a_chain_rewritten_with_the_key_after_back_dating_no_longer_holds_the_head(
    shell: Path, storage: Storage, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whoever has the key can back-date an event and recompute every later link so that the
    chain verifies; the head a report printed before is then gone."""
    reported = await head(storage)
    async with storage.transaction() as uow:
        events = await uow.tips.audit_log()
    events[0].at -= timedelta(days=1)
    previous = GENESIS
    async with storage.database.session() as session:
        for event in events:
            link = storage.keyring.chain_link(previous, audit_entry(event))
            await session.execute(
                text(
                    "UPDATE tip_event SET at = :at, prev_hash = :prev, hash = :link WHERE id = :id"
                ),
                {
                    "at": event.at.replace(tzinfo=None),
                    "prev": previous,
                    "link": link,
                    "id": event.id,
                },
            )
            previous = link
        await session.commit()
    assert (await tinbao(capsys, "audit", "verify"))[0] == 0  # the chain alone looks intact
    code, line = await verify(capsys, reported)
    assert code == 1 and "không chứa mắt xích" in line


async def test_an_unknown_hash_is_not_found(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, line = await verify(capsys, "ab" * 32)
    assert code == 1 and f"không chứa mắt xích {'ab' * 32}" in line


@pytest.mark.parametrize("link", ["0123456789abcde", "0123456789abcdeg", "x" * 64, "a" * 65])
async def test_a_short_or_malformed_hash_is_refused(
    shell: Path, capsys: pytest.CaptureFixture[str], link: str
) -> None:
    code, line = await verify(capsys, link)
    assert code == 2 and f"«{link}»" in line and "16" in line
