"""Running units for years from a shell: tinbao unit show|rename|remove, unit add --move,
tinbao officer list|remove and tinbao invite list|revoke, on the service's database."""

from __future__ import annotations

import re

import pytest

from bot.core.clock import Clock
from bot.core.refusals import Refusal
from bot.domain.patrols.teams import add_team
from bot.domain.tips.intake import Draft, Tipster, submit
from bot.domain.tips.lifecycle import act
from bot.domain.units.setup import add_commune_unit, add_province_unit, invite_officer, join
from storage.tips.models import Tip
from storage.uow import Storage
from tests.support.cli import tinbao
from tests.support.use_cases import use_case

BEN_THANH, SAI_GON = "26743", "26740"
MINH, LAN, HUNG = 7_000_001, 7_000_002, 7_000_003
ADMIN = 9_000_021


async def commune_unit(storage: Storage, chat_id: int = -1001, commune: str = BEN_THANH) -> int:
    async with storage.transaction() as uow:
        unit = await add_commune_unit(use_case(uow, storage.keyring), commune, chat_id)
        return unit.id or 0


async def province_unit(storage: Storage) -> int:
    async with storage.transaction() as uow:
        unit = await add_province_unit(use_case(uow, storage.keyring), "79", -1079)
        return unit.id or 0


async def officer(
    storage: Storage, unit_id: int, user_id: int, name: str, chief: bool = False
) -> int:
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring)
        role = "chief" if chief else "officer"
        await join(case, await invite_officer(case, unit_id, role=role), user_id, name)
        found = await uow.officers.of_unit(unit_id, user_id)
        assert found is not None
        return found.id or 0


async def file_tip(storage: Storage, commune: str = BEN_THANH, person: int = 5_000_001) -> Tip:
    draft = Draft(category="drugs", commune_code=commune, description="Bán ma túy ở hẻm 12.")
    async with storage.transaction() as uow:
        tipster = Tipster.of(storage.keyring, person, person, "vi", "resident")
        tip, _ = await submit(use_case(uow, storage.keyring), draft, tipster, None)
        return tip


async def work(storage: Storage, tip: Tip, user_id: int, action: str) -> None:
    async with storage.transaction() as uow:
        await act(use_case(uow, storage.keyring, admin_ids=[ADMIN]), tip.id or 0, user_id, action)


async def reload(storage: Storage, tip: Tip) -> Tip:
    async with storage.transaction() as uow:
        found = await uow.tips.get(tip.id or 0)
        assert found is not None
        return found


async def history(storage: Storage, tip: Tip) -> list[tuple[str, str, str | None]]:
    async with storage.transaction() as uow:
        return [(e.kind, e.actor, e.note) for e in await uow.tips.history(tip.id or 0)]


# tinbao unit show | rename


async def test_unit_show_names_area_group_officers_chiefs_and_open_tips_by_status(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    await officer(storage, unit_id, MINH, "Minh", chief=True)
    await officer(storage, unit_id, LAN, "Lan")
    await file_tip(storage)
    acknowledged = await file_tip(storage, person=5_000_002)
    await work(storage, acknowledged, LAN, "acknowledge")
    code, out, err = await tinbao(capsys, "unit", "show", str(unit_id))
    assert code == 0, err
    assert out.splitlines() == [
        f"Đơn vị {unit_id}: Công an Phường Bến Thành [cấp xã, mã tỉnh 79] — nhóm -1001",
        "Địa bàn: 26743 Phường Bến Thành",
        "Nhóm: bot gửi được",
        "Cán bộ (2): Minh (chỉ huy), Lan",
        "Tin báo đang mở: Đã tiếp nhận 1, Mới 1",
    ]


async def test_unit_rename_gives_the_unit_its_new_name(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    code, out, _ = await tinbao(capsys, "unit", "rename", str(unit_id), "Công an liên phường")
    assert code == 0
    assert "«Công an Phường Bến Thành» thành «Công an liên phường»" in out
    async with storage.transaction() as uow:
        unit = await uow.units.get(unit_id)
        assert unit is not None and unit.name == "Công an liên phường"


@pytest.mark.parametrize(
    ("name", "says"), [("   ", "không được để trống"), ("x" * 201, "dài 201 ký tự, tối đa 200")]
)
async def test_unit_rename_refuses_an_empty_or_overlong_name_in_one_line(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str], name: str, says: str
) -> None:
    unit_id = await commune_unit(storage)
    code, _, err = await tinbao(capsys, "unit", "rename", str(unit_id), name)
    assert code == 1
    assert err.count("\n") == 1 and says in err


@pytest.mark.parametrize("action", [["show"], ["rename", "{id}", "Tên"], ["remove", "--yes"]])
async def test_an_unknown_unit_is_refused_in_one_line(
    operator: None, capsys: pytest.CaptureFixture[str], action: list[str]
) -> None:
    argv = [action[0], "42", *[a for a in action[1:] if a != "{id}"]]
    code, _, err = await tinbao(capsys, "unit", *argv)
    assert code == 1
    assert err == "tinbao: Không có đơn vị số 42. Xem danh sách: tinbao unit list\n"


# tinbao unit add --move


async def test_adding_a_commune_another_unit_covers_is_refused_naming_that_unit(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    code, _, err = await tinbao(
        capsys, "unit", "add", "--commune", BEN_THANH, "--chat", "-1002", "--name", "Mới"
    )
    assert code == 1
    assert f"Phường Bến Thành đã thuộc đơn vị {unit_id} (Công an Phường Bến Thành)" in err
    assert err.count("\n") == 1 and "--move" in err
    async with storage.transaction() as uow:
        assert await uow.units.by_chat(-1002) is None  # nothing was made


async def test_adding_with_move_says_which_unit_loses_the_commune(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    code, out, err = await tinbao(
        capsys, "unit", "add", "--commune", BEN_THANH, "--chat", "-1002", "--move"
    )
    assert code == 0, err
    assert (
        f"Phường Bến Thành được chuyển từ đơn vị {unit_id} (Công an Phường Bến Thành)"
        " sang đơn vị này." in out.splitlines()
    )
    async with storage.transaction() as uow:
        assert await uow.units.communes_of(unit_id) == []


# tinbao unit remove


async def test_removing_a_unit_without_yes_says_what_would_happen_and_changes_nothing(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    await file_tip(storage)
    code, out, _ = await tinbao(capsys, "unit", "remove", str(unit_id))
    assert code == 1
    assert "1 tin đang mở chuyển lên cấp trên" in out and "--yes" in out
    async with storage.transaction() as uow:
        assert await uow.units.get(unit_id) is not None


async def test_removing_a_commune_unit_passes_its_open_tips_to_the_province_unit(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    province_id = await province_unit(storage)
    unit_id = await commune_unit(storage)
    tip = await file_tip(storage)
    code, out, err = await tinbao(capsys, "unit", "remove", str(unit_id), "--yes")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Đã xóa Công an Phường Bến Thành. Địa bàn không còn")
    assert "26743" in lines[0] and "không có tổ tuần tra" in lines[0]
    assert lines[1] == f"  Tin {tip.code} → Công an Thành phố Hồ Chí Minh, kèm thẻ mới"
    assert (await reload(storage, tip)).unit_id == province_id
    assert ("rerouted", "system", f"unit:{unit_id}>unit:{province_id}") in await history(
        storage, tip
    )
    async with storage.transaction() as uow:
        assert await uow.units.for_commune(BEN_THANH) is None  # the commune is uncovered


async def test_removing_a_province_unit_sends_its_tips_to_the_administrators(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    province_id = await province_unit(storage)
    tip = await file_tip(storage)  # Bến Thành has no unit: the province's gets it
    assert tip.unit_id == province_id
    code, out, _ = await tinbao(capsys, "unit", "remove", str(province_id), "--yes")
    assert code == 0
    assert f"  Tin {tip.code} → quản trị viên, kèm thẻ mới" in out.splitlines()
    assert (await reload(storage, tip)).unit_id is None


async def test_a_removed_units_officers_can_no_longer_act(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await province_unit(storage)
    unit_id = await commune_unit(storage)
    await officer(storage, unit_id, MINH, "Minh")
    await tinbao(capsys, "unit", "remove", str(unit_id), "--yes")
    async with storage.transaction() as uow:
        assert await uow.officers.of_unit(unit_id, MINH) is None
        assert await uow.officers.active(unit_id) == []


async def test_removing_a_unit_twice_is_refused(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    assert (await tinbao(capsys, "unit", "remove", str(unit_id), "--yes"))[0] == 0
    code, _, err = await tinbao(capsys, "unit", "remove", str(unit_id), "--yes")
    assert code == 1 and f"Không có đơn vị số {unit_id}" in err


async def test_a_unit_with_patrol_teams_is_not_removed_and_its_teams_are_named(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    async with storage.transaction() as uow:
        team = await add_team(use_case(uow, storage.keyring), unit_id, "Tổ 1", 30)
    code, _, err = await tinbao(capsys, "unit", "remove", str(unit_id), "--yes")
    assert code == 1
    assert f"còn tổ tuần tra Tổ 1 ({team.id})" in err and err.count("\n") == 1
    async with storage.transaction() as uow:
        assert await uow.units.get(unit_id) is not None


# tinbao officer list | remove


async def test_officer_list_shows_role_unit_joined_and_last_action(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    minh = await officer(storage, unit_id, MINH, "Minh", chief=True)
    lan = await officer(storage, unit_id, LAN, "Lan")
    await work(storage, await file_tip(storage), LAN, "acknowledge")
    code, out, _ = await tinbao(capsys, "officer", "list", "--unit", str(unit_id))
    assert code == 0
    chief_line, lan_line = out.splitlines()
    assert chief_line.startswith(f"{minh}  Minh  chỉ huy  đơn vị {unit_id} (Công an Phường")
    assert chief_line.endswith("thao tác gần nhất: chưa có")
    assert lan_line.startswith(f"{lan}  Lan  cán bộ")
    assert re.search(r"thao tác gần nhất: \d\d:\d\d \d\d/\d\d/\d{4}$", lan_line)


async def test_a_removed_officer_can_no_longer_act_on_a_tip(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    lan = await officer(storage, unit_id, LAN, "Lan")
    tip = await file_tip(storage)
    code, out, _ = await tinbao(capsys, "officer", "remove", str(lan))
    assert code == 0
    assert out.startswith(f"Đã xóa cán bộ {lan} (Lan) khỏi Công an Phường Bến Thành")
    with pytest.raises(Refusal) as refusal:
        await work(storage, tip, LAN, "acknowledge")
    assert refusal.value.key == "tipwork.not_allowed"
    assert (await tinbao(capsys, "officer", "list"))[1] == "Chưa có cán bộ nào.\n"


async def test_a_removed_officers_tips_go_back_to_acknowledged_unassigned_with_an_event(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    lan = await officer(storage, unit_id, LAN, "Lan")
    tip = await file_tip(storage)
    await work(storage, tip, LAN, "assign")
    code, out, _ = await tinbao(capsys, "officer", "remove", str(lan))
    assert code == 0 and f"chưa có người phụ trách: {tip.code}" in out
    tip = await reload(storage, tip)
    assert (tip.status, tip.assignee_id) == ("acknowledged", None)
    assert ("unassigned", "console", f"officer:{lan}") in await history(storage, tip)


async def test_removing_an_officer_twice_or_an_unknown_one_is_refused(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    lan = await officer(storage, await commune_unit(storage), LAN, "Lan")
    await tinbao(capsys, "officer", "remove", str(lan))
    code, _, twice = await tinbao(capsys, "officer", "remove", str(lan))
    assert code == 1 and twice == f"tinbao: Cán bộ {lan} (Lan) đã bị xóa khỏi đơn vị trước đó.\n"
    code, _, unknown = await tinbao(capsys, "officer", "remove", "999")
    assert code == 1 and "Không có cán bộ số 999" in unknown


async def test_a_removed_officer_invited_again_acts_again(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    lan = await officer(storage, unit_id, LAN, "Lan")
    await tinbao(capsys, "officer", "remove", str(lan))
    assert await officer(storage, unit_id, LAN, "Lan") == lan
    await work(storage, await file_tip(storage), LAN, "acknowledge")


# tinbao invite list | revoke, officer invite --chief


async def test_invite_list_shows_unused_invites_by_a_short_id_never_the_code(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    _, made, _ = await tinbao(capsys, "officer", "invite", "--unit", str(unit_id), "--chief")
    code_made = re.search(r"/join ([A-Z2-9]{8})", made)
    assert code_made is not None
    await officer(storage, unit_id, LAN, "Lan")  # a used invite is not listed
    code, out, _ = await tinbao(capsys, "invite", "list")
    assert code == 0
    [line] = out.splitlines()
    assert re.match(rf"[0-9a-f]{{8}}  đơn vị {unit_id} \(Công an Phường Bến Thành\)  chỉ huy", line)
    assert "tạo lúc" in line and code_made.group(1) not in line


async def test_a_revoked_invite_no_longer_joins(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    async with storage.transaction() as uow:
        invite = await invite_officer(use_case(uow, storage.keyring), unit_id)
    short = (await tinbao(capsys, "invite", "list"))[1].split()[0]
    code, out, _ = await tinbao(capsys, "invite", "revoke", short)
    assert code == 0 and out.startswith(f"Đã thu hồi mã mời {short} (cán bộ)")
    assert (await tinbao(capsys, "invite", "list"))[1] == "Không có mã mời nào còn dùng được.\n"
    async with storage.transaction() as uow:
        with pytest.raises(Refusal) as refusal:
            await join(use_case(uow, storage.keyring), invite, LAN, "Lan")
    assert refusal.value.key == "setup.invite_invalid"


async def test_revoking_an_unknown_invite_is_refused_in_one_line(
    operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = await tinbao(capsys, "invite", "revoke", "deadbeef")
    assert code == 1 and err.count("\n") == 1 and "«deadbeef»" in err


async def test_a_chief_invite_says_it_makes_a_chief(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    _, chief, _ = await tinbao(capsys, "officer", "invite", "--unit", str(unit_id), "--chief")
    _, plain, _ = await tinbao(capsys, "officer", "invite", "--unit", str(unit_id))
    assert "Mã này cho quyền chỉ huy đơn vị." in chief
    assert "chỉ huy" not in plain


async def test_a_removed_units_held_tip_moves_up_too_so_releasing_it_finds_a_unit(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    province_id = await province_unit(storage)
    unit_id = await commune_unit(storage)
    spammer = 5_000_009
    async with storage.transaction() as uow:
        pseudonym = Tipster.of(storage.keyring, spammer, spammer, "vi", "resident").pseudonym
        for _ in range(3):
            await uow.tips.add_spam_strike(pseudonym, Clock().now())
    held = await file_tip(storage, person=spammer)
    assert held.held and held.unit_id == unit_id
    await tinbao(capsys, "unit", "remove", str(unit_id), "--yes")
    assert (await reload(storage, held)).unit_id == province_id
    assert ("rerouted", "console", f"unit:{unit_id}>unit:{province_id}") in await history(
        storage, held
    )


async def test_removing_an_officer_is_a_link_of_the_audit_chain(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_id = await commune_unit(storage)
    lan = await officer(storage, unit_id, LAN, "Lan")
    assert (await tinbao(capsys, "officer", "remove", str(lan)))[0] == 0
    async with storage.transaction() as uow:
        removal = (await uow.tips.audit_log())[-1]
    assert (removal.kind, removal.actor) == ("officer_removed", "console")
    assert removal.note == f"officer:{lan}>unit:{unit_id}"
    assert (await tinbao(capsys, "audit", "verify"))[0] == 0
