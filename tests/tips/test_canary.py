"""No tipster is ever exposed: a canary identity files a tip with a photo and a location, and
its id, username and names appear nowhere — not in the database file, not in a DEBUG log, not
in anything the police group received. A patrol member's named incident shares nothing with
that person's anonymous tips. Once retention has run past a closed tip's period, even its
sealed chat id is gone: from every table, and from the SQLite file's bytes."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel

from bot.core.clock import FrozenClock
from bot.core.keyring import DecryptionError, Keyring
from bot.core.settings import load_settings
from bot.domain.services import Services
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from scheduler.inbox_cleanup import purge_inbox
from scheduler.job_context import JobEnv
from scheduler.retention import forget_now
from storage.db import Database
from storage.tips.models import TipStatus
from storage.uow import Storage
from tests.support.patrols import GATE, patrol_on_duty
from tests.support.people import Person
from tests.support.service import SECRET, ServiceProcess, running_service
from tests.support.tips import (
    FAST,
    FAST_PROCESS,
    FAST_SERVICE,
    PNG,
    file_tip,
    link_commune,
    reach_description,
    register_officer,
)

CANARY = {
    "id": 7_012_345_678,
    "username": "canary_tipster_q9z",
    "first_name": "Zxqcanaryfirst",
    "last_name": "Vwqcanarylast",
    "language_code": "vi",
}
TRACES = [str(CANARY["id"]), CANARY["username"], CANARY["first_name"], CANARY["last_name"]]


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


def leaks(blob: bytes) -> list[str]:
    return [trace for trace in TRACES if trace.encode() in blob]


async def police_and_service(
    tmp_path: Path,
    sandbox: SandboxServer,
    storage: Storage,
    database_url: str,
    any_database: bool = False,
) -> tuple[dict[str, Any], dict[str, Any], ServiceProcess]:
    """Phường Bến Thành's police group with its officer, and ``tinbao run`` logging at DEBUG
    into ``service.log``. Only SQLite's file can be read byte for byte (``any_database``: the
    test reads PostgreSQL's rows instead)."""
    if not database_url.startswith("sqlite") and not any_database:
        pytest.skip("reads the SQLite file's bytes")
    officer = await sandbox.client.create_user(first_name="Trung úy Minh")
    group = await sandbox.client.create_group("CA Bến Thành", members=[officer["id"]])
    await register_officer(storage, await link_commune(storage, group["id"]), officer)
    await storage.close()
    service = ServiceProcess(
        sandbox,
        database_url,
        tmp_path / "service.log",
        TINBAO_LOG_LEVEL="DEBUG",
        **FAST_PROCESS,
    )
    service.start()
    return officer, group, service


async def assert_no_trace(
    client: SandboxClient, group_id: int, database_url: str, log_path: Path
) -> None:
    """Nothing of the canary in what the group received (and nothing forwarded there), in the
    database file and its WAL, or in the DEBUG log."""
    group_view = json.dumps(await client.bot_messages(group_id), ensure_ascii=False)
    assert leaks(group_view.encode()) == []
    assert "forward_origin" not in group_view and "forward_from" not in group_view
    assert_files_hold_no_trace(database_url, log_path)


def assert_files_hold_no_trace(database_url: str, log_path: Path) -> None:
    database = Path(database_url.split(":///", 1)[1])
    for path in [database, *database.parent.glob(database.name + "-*")]:
        assert leaks(path.read_bytes()) == [], path.name
    log = log_path.read_bytes()
    assert b"DEBUG" in log, "the log was written at DEBUG"
    assert leaks(log) == []


async def test_the_canary_tipster_leaves_no_trace(
    tmp_path: Path, sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    client = sandbox.client
    officer, group, service = await police_and_service(tmp_path, sandbox, storage, database_url)
    try:
        tipster = Person(client, await client.create_user(**CANARY), CANARY["id"])
        await tipster.say("/start", expect=2)
        await tipster.press("Gửi tin báo")
        await tipster.press("Ma túy")
        await tipster.share_location(10.7725, 106.6980)
        await tipster.press("Phường Bến Thành", expect=2)
        await tipster.say("Tôi là người báo. Có người bán ma túy ở hẻm 12.")
        await tipster.send_file("photo", PNG, caption="ảnh hiện trường")
        await tipster.press("Tiếp tục")
        await tipster.press("Đang xảy ra")  # "Tôi là …" is a detail about oneself: kept here
        await tipster.press("Giữ nguyên", expect=2)
        await tipster.press("Gửi tin báo", expect=1)
        card = await client.wait_for_bot_messages(group["id"], 3, timeout=30)
        officer_person = Person(client, officer, group["id"])
        data = card[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        await officer_person.press_data(card[0]["message_id"], data)
        await client.wait_for_bot_messages(CANARY["id"], tipster.seen + 1, timeout=30)
    finally:
        assert await service.terminate() == 0

    await assert_no_trace(client, group["id"], database_url, tmp_path / "service.log")


async def test_the_canary_tipster_stays_hidden_while_talking_with_the_police(
    tmp_path: Path, sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    """The same canary, now in a dialogue: the officer asks (text and a photo), the canary
    answers (text and a photo); still nothing of it in the group, the database or the log."""
    client = sandbox.client
    officer, group, service = await police_and_service(tmp_path, sandbox, storage, database_url)
    try:
        tipster = Person(client, await client.create_user(**CANARY), CANARY["id"])
        await reach_description(tipster)
        await tipster.say("Có người bán ma túy ở hẻm 12.")
        await tipster.press("Tiếp tục")
        await tipster.press("Hôm nay")
        await tipster.press("Gửi tin báo", expect=1)
        [card] = await client.wait_for_bot_messages(group["id"], 1, timeout=30)
        minh = Person(client, officer, group["id"])
        minh.seen = 1
        await minh.say("Người bán mặc áo màu gì?", reply_to=card["message_id"])
        await client.send_file(
            group["id"],
            officer["id"],
            "photo",
            PNG,
            caption="Người này?",
            reply_to=card["message_id"],
        )
        question = (await client.wait_for_bot_messages(CANARY["id"], tipster.seen + 3, timeout=30))[
            tipster.seen
        ]
        tipster.seen += 3
        await tipster.say("Áo đỏ, đội mũ đen", reply_to=question["message_id"])
        await client.send_file(
            CANARY["id"], CANARY["id"], "photo", PNG, caption="ảnh", reply_to=question["message_id"]
        )
        await client.wait_for_bot_messages(group["id"], 6, timeout=30)
    finally:
        assert await service.terminate() == 0

    group_view = await client.bot_messages(group["id"])
    answers = [m for m in group_view if "trả lời" in (m.get("text") or "")]
    assert len(answers) == 2 and "Áo đỏ" in answers[0]["text"]
    await assert_no_trace(client, group["id"], database_url, tmp_path / "service.log")


SEALS = (b"outbox", b"inbox", b"tipster", b"report_request", b"subscriber")


def opened(keyring: Keyring, blob: bytes) -> bytes | None:
    """A sealed column's plain bytes, whichever table's seal it is; None for other bytes."""
    for context in SEALS:
        try:
            return keyring.decrypt(blob, context)
        except DecryptionError:
            continue
    return None


async def rows_holding(storage: Storage, sealed: bytes, chat_id: int) -> list[str]:
    """Every row of every table that holds the sealed chat id, or a sealed value whose plain
    text names the chat (a message to it, a copy of its photo, an update from it)."""
    found = []
    async with storage.database.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await connection.execute(table.select())).mappings():
                for column, value in row.items():
                    if isinstance(value, str):
                        value = value.encode()
                    if not isinstance(value, bytes) or not value:
                        continue
                    plain = opened(storage.keyring, value) or b""
                    if sealed in value or str(chat_id).encode() in plain:
                        found.append(f"{table.name}.{column}")
    return found


def file_bytes(database_url: str) -> bytes:
    database = Path(database_url.split(":///", 1)[1])
    paths = [database, *database.parent.glob(database.name + "-*")]
    return b"".join(path.read_bytes() for path in paths if path.exists())


async def test_after_retention_the_canarys_sealed_chat_id_is_gone_from_every_table_and_file(
    tmp_path: Path, sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    """The canary's tip, a question and a photo answered, rejected; 91 days later the hourly
    jobs (inbox purge, retention) have run: nothing in the database leads back to the canary.
    On PostgreSQL the rows are checked; the bytes of dead row versions on disk are not
    reachable from SQL (VACUUM reclaims them: see the README)."""
    client = sandbox.client
    officer, group, service = await police_and_service(
        tmp_path, sandbox, storage, database_url, any_database=True
    )
    try:
        tipster = Person(client, await client.create_user(**CANARY), CANARY["id"])
        await reach_description(tipster)
        await tipster.say("Có người bán ma túy ở hẻm 12.")
        await tipster.press("Tiếp tục")
        await tipster.press("Hôm nay")
        await tipster.press("Gửi tin báo", expect=1)
        [card] = await client.wait_for_bot_messages(group["id"], 1, timeout=30)
        minh = Person(client, officer, group["id"])
        minh.seen = 1
        await minh.say("Người bán mặc áo màu gì?", reply_to=card["message_id"])
        question = (await client.wait_for_bot_messages(CANARY["id"], tipster.seen + 1, timeout=30))[
            -1
        ]
        tipster.seen += 1
        await client.send_file(
            CANARY["id"], CANARY["id"], "photo", PNG, caption="ảnh", reply_to=question["message_id"]
        )
        await client.wait_for_bot_messages(group["id"], 4, timeout=30)
        query = await minh.press_data(card["message_id"], "tip:rej:1:false", forged=True)
        await client.wait_for_callback_answer(query, timeout=30)
        await client.wait_for_bot_messages(CANARY["id"], tipster.seen + 2, timeout=30)
    finally:
        assert await service.terminate() == 0

    after = Storage(Database(database_url), storage.keyring)
    try:
        async with after.database.engine.connect() as connection:
            result = await connection.exec_driver_sql("SELECT tipster_chat FROM tip")
            sealed = bytes(result.scalar_one())
        assert await rows_holding(after, sealed, CANARY["id"]) != [], "the test sees the traces"
        if database_url.startswith("sqlite"):
            assert sealed in file_bytes(database_url)
        clock = FrozenClock(datetime.now(UTC) + timedelta(days=91))
        settings = load_settings(_env_file=None, secret_key=SECRET)
        env = JobEnv(after, clock, Services.from_settings(settings, after.keyring), settings)
        await purge_inbox(after, clock)
        assert await forget_now(env) > 0
        assert await rows_holding(after, sealed, CANARY["id"]) == []
        if database_url.startswith("sqlite"):  # read while open: closing would checkpoint
            held = file_bytes(database_url)
            assert sealed not in held
            assert leaks(held) == []
    finally:
        await after.close()


async def every_value(storage: Storage) -> list[tuple[str, str, Any]]:
    """Every value of every table: (table, column, value)."""
    found = []
    async with storage.database.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await connection.execute(table.select())).mappings():
                found += [(table.name, str(column), value) for column, value in row.items()]
    return found


async def test_after_delete_my_data_the_canary_is_in_no_table(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    """Its closed tip's sealed chat id is erased, its subscription, language and draft are
    gone, and its id, username and names are in no value of any table (sealed or not)."""
    await link_commune(storage, (await sandbox.client.create_group("CA Bến Thành"))["id"])
    tipster = Person(sandbox.client, await sandbox.client.create_user(**CANARY), CANARY["id"])
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(tipster)
        async with storage.transaction() as uow:
            [tip] = await uow.tips.open_of(storage.keyring.pseudonym("user", CANARY["id"]))
            assert tip.id is not None and tip.tipster_chat
            sealed = bytes(tip.tipster_chat)
            await uow.tips.transition(tip.id, TipStatus.OPEN, tip.created_at, status="rejected")
        await tipster.say("/subscribe")
        await tipster.say("ben thanh")
        await tipster.press("Bến Thành")
        await tipster.say("/language en")
        await tipster.say("/start", expect=2)
        await tipster.press("Send a tip")
        await tipster.say("/privacy")
        await tipster.press("Delete my data")
        await tipster.press("Yes, delete")

    lane = storage.keyring.pseudonym("chat", CANARY["id"])
    values = await every_value(storage)
    assert [(t, c) for t, c, v in values if isinstance(v, bytes | str) and leaks(_bytes(v))] == []
    assert [t for t, c, v in values if v == lane and t in PERSONAL_TABLES] == []
    assert [v for t, c, v in values if (t, c) == ("tip", "tipster_chat")] == [b""]
    if database_url.startswith("sqlite"):  # and its bytes are gone from the file (secure_delete)
        database = Path(database_url.split(":///", 1)[1])
        with closing(sqlite3.connect(database, isolation_level=None)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for path in [database, *database.parent.glob(database.name + "-*")]:
            assert sealed not in path.read_bytes(), path.name


PERSONAL_TABLES = {"dialog", "subscriber", "chat_profile"}


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


# What two tips may have in common without saying who sent them: where and what, and the
# bot's own bookkeeping that every tip of that unit shares.
SHARED_BY_ANY_TWO_TIPS = {
    "category",
    "commune_code",
    "province_code",
    "unit_id",
    "status",
    "urgent",
    "attachments",
    "held",
    "media",
    "tipster_language",
    "transfers",
}
JOIN_ON_PSEUDONYM = """
    SELECT a.code, p.code FROM tip a JOIN tip p ON a.tipster = p.tipster
    WHERE a.source = 'resident' AND p.source = 'patrol'
"""


async def test_a_patrol_members_incident_and_anonymous_tip_share_nothing_that_identifies_them(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, _):
        member = scene.member
        await file_tip(member, description="Có người bán ma túy ở hẻm 12.")
        clock.advance(timedelta(minutes=7))
        await member.say("/patrol")
        await member.press("Báo sự việc")
        await member.press("Ma túy")
        await member.say("Hai người giao hàng đáng ngờ trước cổng chợ.")
        await member.press("Tiếp tục")
        await member.share_location(*GATE)
        await sandbox.client.wait_for_bot_messages(scene.group["id"], 3)

    async with storage.database.engine.connect() as connection:
        rows = (await connection.exec_driver_sql("SELECT * FROM tip ORDER BY id")).mappings()
        anonymous, incident = [dict(row) for row in rows]
        joined = (await connection.exec_driver_sql(JOIN_ON_PSEUDONYM)).all()
    assert (anonymous["source"], incident["source"]) == ("resident", "patrol")
    assert "Anh Tâm" in incident["reporter"]
    shared = {
        column
        for column, value in anonymous.items()
        if value is not None and value == incident[column] and column != "source"
    }
    assert shared - SHARED_BY_ANY_TWO_TIPS == set()
    assert joined == []
    assert not any("Anh Tâm" in str(value) for value in anonymous.values())
