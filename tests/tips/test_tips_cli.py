"""`tinbao tips list` and `tinbao tips show`: the console's view of tips, never of tipsters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.tips.models import TipStatus
from storage.uow import Storage
from tests.support.cli import tinbao
from tests.support.tip_rows import WHEN, stored_tip
from tests.support.tips import link_commune, register_officer

CODES = [f"ABCDEF{n}{m}" for n in "2345" for m in "6789"]  # 16 valid codes


def refusal(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code != 0 and out == "", (code, out, err)
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err.strip()


async def test_list_shows_each_tip_newest_first_and_nothing_of_its_tipster(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = await link_commune(storage, -1001)
    first = await stored_tip(storage, unit, CODES[0], at=WHEN)
    await stored_tip(storage, None, CODES[1], at=WHEN + timedelta(hours=1), category="theft")
    code, out, err = await tinbao(capsys, "tips", "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert (
        lines[0]
        == f"{CODES[1]}  11:00 15/03/2026  Phường Bến Thành  Trộm cắp, cướp  Mới  chưa có đơn vị"
    )
    assert lines[1].startswith(f"{CODES[0]}  10:00 15/03/2026  Phường Bến Thành  Ma túy  Mới")
    assert lines[1].endswith(f"Công an Phường Bến Thành (#{unit})")
    assert first.tipster not in out and "ma túy ở hẻm" not in out


async def test_list_keeps_to_the_unit_status_and_dates_asked_for(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = await link_commune(storage, -1001)
    other = await link_commune(storage, -1002, commune="26740")
    await stored_tip(storage, unit, CODES[0], at=WHEN)
    await stored_tip(storage, unit, CODES[1], at=WHEN + timedelta(days=1), status="resolved")
    await stored_tip(storage, other, CODES[2], at=WHEN)
    _, of_unit, _ = await tinbao(capsys, "tips", "list", "--unit", str(unit))
    _, resolved, _ = await tinbao(capsys, "tips", "list", "--status", TipStatus.RESOLVED)
    _, on_day, _ = await tinbao(
        capsys, "tips", "list", "--from", "2026-03-15", "--to", "2026-03-15"
    )
    assert CODES[0] in of_unit and CODES[1] in of_unit and CODES[2] not in of_unit
    assert [line[:8] for line in resolved.splitlines()] == [CODES[1]]
    assert sorted(line[:8] for line in on_day.splitlines()) == [CODES[0], CODES[2]]


async def test_list_is_bounded_by_its_limit_and_says_there_are_more(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = await link_commune(storage, -1001)
    for number, code in enumerate(CODES[:4]):
        await stored_tip(storage, unit, code, at=WHEN + timedelta(minutes=number))
    code, out, _ = await tinbao(capsys, "tips", "list", "--limit", "3")
    lines = out.splitlines()
    assert code == 0 and [line[:8] for line in lines[:3]] == [CODES[3], CODES[2], CODES[1]]
    assert lines[3].startswith("… còn nữa; chỉ hiện 3 tin mới nhất")


async def test_list_refuses_a_unit_that_does_not_exist_in_one_line(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "Không có đơn vị số 9" in refusal(await tinbao(capsys, "tips", "list", "--unit", "9"))


async def test_show_gives_the_cards_facts_and_the_history_with_who_did_what(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = await link_commune(storage, -1001)
    await register_officer(storage, unit, {"id": 501, "first_name": "Trung úy Minh"})
    tip = await stored_tip(storage, unit, CODES[0], "Bán ma túy ở hẻm 12.", at=WHEN)
    async with storage.transaction() as uow:
        minh = await uow.officers.of_unit(unit, 501)
        assert minh is not None and tip.id is not None
        await uow.tips.record(tip.id, "created", "tipster", WHEN)
        await uow.tips.record(
            tip.id, "acknowledged", f"officer:{minh.id}", WHEN + timedelta(minutes=5)
        )
    code, out, err = await tinbao(capsys, "tips", "show", CODES[0].lower())
    assert (code, err) == (0, "")
    assert f"Tin báo {CODES[0]}" in out and "Trạng thái: Mới" in out
    assert "Địa bàn: Phường Bến Thành" in out and "Mô tả: Bán ma túy ở hẻm 12." in out
    assert "10:00 15/03/2026  created  người báo tin" in out
    assert f"10:05 15/03/2026  acknowledged  cán bộ Trung úy Minh (#{minh.id})" in out
    assert tip.tipster not in out


async def test_show_refuses_an_unknown_code_in_one_line(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        refusal(await tinbao(capsys, "tips", "show", "ZZZZ2345"))
        == "tinbao: Không có tin báo ZZZZ2345."
    )


async def test_list_refuses_a_period_that_ends_before_it_starts_in_one_line(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await tinbao(capsys, "tips", "list", "--from", "2026-03-15", "--to", "2026-03-14")
    assert refusal(result) == "tinbao: --to phải từ ngày --from trở về sau."
