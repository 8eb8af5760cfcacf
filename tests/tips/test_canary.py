"""No tipster is ever exposed: a canary identity files a tip with a photo and a location, and
its id, username and names appear nowhere — not in the database file, not in a DEBUG log, not
in anything the police group received. A patrol member's named incident shares nothing with
that person's anonymous tips."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.patrols import GATE, patrol_on_duty
from tests.support.people import Person
from tests.support.service import ServiceProcess
from tests.support.tips import (
    FAST,
    FAST_PROCESS,
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
    tmp_path: Path, sandbox: SandboxServer, storage: Storage, database_url: str
) -> tuple[dict[str, Any], dict[str, Any], ServiceProcess]:
    """Phường Bến Thành's police group with its officer, and ``tinbao run`` logging at DEBUG
    into ``service.log``. Only SQLite's file can be read byte for byte."""
    if not database_url.startswith("sqlite"):
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
