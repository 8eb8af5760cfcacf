"""Upgrading unlinks the patrol incidents filed before: they carried the resident pseudonym of
the member who reported them, so they joined that person's anonymous tips."""

from __future__ import annotations

from datetime import datetime

from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.db import Database
from storage.schema import alembic_config, upgrade_async

REVISION = "0011"
PERSON = "5f" * 16  # the member's resident pseudonym, as both kinds of row held it
SAME_PERSON = {"tipster": PERSON, "chat": b"\x01sealed", "at": datetime(2026, 1, 5)}
INSERT = text(
    "INSERT INTO tip (code, category, commune_code, province_code, description, urgent,"
    " attachments, status, tipster, tipster_chat, tipster_language, created_at, source,"
    " reporter) VALUES (:code, 'drugs', '26743', '79', 'Có người bán ma túy.', false, 0,"
    " 'new', :tipster, :chat, 'vi', :at, :source, :reporter)"
)
JOIN_ON_PSEUDONYM = text(
    "SELECT a.code, p.code FROM tip a JOIN tip p ON a.tipster = p.tipster"
    " WHERE a.source = 'resident' AND p.source = 'patrol'"
)


def revision_before() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    down = script.get_revision(REVISION).down_revision
    assert isinstance(down, str)
    return down


async def test_upgrading_unlinks_old_patrol_incidents_from_the_members_anonymous_tips(
    empty_database_url: str,
) -> None:
    await upgrade_async(empty_database_url, revision_before())
    database = Database(empty_database_url)
    try:
        async with database.engine.begin() as connection:
            for code, source, reporter in [
                ("ANON2345", "resident", None),
                ("PATR2345", "patrol", "Anh Tâm — Tổ 1 Bến Thành"),
                ("PATR6789", "patrol", "Anh Tâm — Tổ 1 Bến Thành"),
            ]:
                values = {"code": code, "source": source, "reporter": reporter}
                await connection.execute(INSERT, {**values, **SAME_PERSON})
            assert len((await connection.execute(JOIN_ON_PSEUDONYM)).all()) == 2
        await upgrade_async(empty_database_url)
        async with database.engine.connect() as connection:
            joined = (await connection.execute(JOIN_ON_PSEUDONYM)).all()
            rows = await connection.execute(text("SELECT code, tipster FROM tip ORDER BY code"))
            tipsters = dict(rows.tuples().all())
    finally:
        await database.close()
    assert joined == []
    assert tipsters["ANON2345"] == PERSON, "resident tips keep their pseudonym"
    assert tipsters["PATR2345"] != tipsters["PATR6789"], "old incidents link to nothing"
