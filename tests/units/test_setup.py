"""Setting up police units and officers, and routing a commune's tips (no Telegram involved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.codes import ALPHABET, new_code
from bot.core.keyring import Keyring
from bot.core.refusals import Refusal
from bot.domain.units.communes import CommuneDirectory
from bot.domain.units.setup import (
    add_commune_unit,
    add_province_unit,
    invite_officer,
    join,
    route,
)
from storage.uow import Storage
from tests.support.use_cases import use_case

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
BEN_THANH, SAI_GON, HCM = "26743", "26740", "79"
GROUP, OTHER_GROUP, PROVINCE_GROUP = -1001, -1002, -1003
directory = CommuneDirectory.load()


async def test_a_commune_unit_is_named_after_its_commune(storage: Storage) -> None:
    async with storage.transaction() as uow:
        unit = await add_commune_unit(use_case(uow, storage.keyring, NOW), BEN_THANH, GROUP)
    assert unit.name == "Công an Phường Bến Thành"
    assert (unit.level, unit.province_code, unit.chat_id) == ("commune", HCM, GROUP)


async def test_one_group_can_cover_several_communes(storage: Storage) -> None:
    async with storage.transaction() as uow:
        first = await add_commune_unit(
            use_case(uow, storage.keyring, NOW), BEN_THANH, GROUP, name="CA liên phường"
        )
        second = await add_commune_unit(use_case(uow, storage.keyring, NOW), SAI_GON, GROUP)
        [(unit, communes)] = await uow.units.all()
    assert first.id == second.id == unit.id
    assert communes == [SAI_GON, BEN_THANH]


async def test_relinking_a_commune_with_move_moves_it_to_the_new_unit(storage: Storage) -> None:
    async with storage.transaction() as uow:
        await add_commune_unit(use_case(uow, storage.keyring, NOW), BEN_THANH, GROUP)
        newer = await add_commune_unit(
            use_case(uow, storage.keyring, NOW), BEN_THANH, OTHER_GROUP, move=True
        )
        assert (await route(uow, directory, BEN_THANH)).unit == newer


async def test_relinking_a_covered_commune_without_move_is_refused(storage: Storage) -> None:
    async with storage.transaction() as uow:
        await add_commune_unit(use_case(uow, storage.keyring, NOW), BEN_THANH, GROUP)
        with pytest.raises(Refusal) as refusal:
            await add_commune_unit(use_case(uow, storage.keyring, NOW), BEN_THANH, OTHER_GROUP)
    assert refusal.value.key == "setup.commune_covered"


async def test_an_unknown_commune_is_refused(storage: Storage) -> None:
    async with storage.transaction() as uow:
        with pytest.raises(Refusal) as refusal:
            await add_commune_unit(use_case(uow, storage.keyring, NOW), "99999", GROUP)
    assert refusal.value.key == "setup.unknown_commune"


async def test_tips_go_to_the_commune_unit_first(storage: Storage) -> None:
    async with storage.transaction() as uow:
        await add_province_unit(use_case(uow, storage.keyring, NOW), HCM, PROVINCE_GROUP)
        unit = await add_commune_unit(use_case(uow, storage.keyring, NOW), BEN_THANH, GROUP)
        target = await route(uow, directory, BEN_THANH)
    assert target.unit == unit and target.fallback is None


async def test_without_a_commune_unit_tips_go_to_the_province(storage: Storage) -> None:
    async with storage.transaction() as uow:
        province = await add_province_unit(use_case(uow, storage.keyring, NOW), HCM, PROVINCE_GROUP)
        target = await route(uow, directory, SAI_GON)
    assert target.unit == province and target.fallback == "province"


async def test_without_any_unit_tips_go_to_the_admins(storage: Storage) -> None:
    async with storage.transaction() as uow:
        target = await route(uow, directory, SAI_GON)
    assert target.unit is None and target.fallback == "admins"


async def test_an_invite_registers_an_officer_once(storage: Storage, keyring: Keyring) -> None:
    async with storage.transaction() as uow:
        unit = await add_commune_unit(use_case(uow, storage.keyring, NOW), BEN_THANH, GROUP)
        code = await invite_officer(use_case(uow, storage.keyring, NOW), unit.id)
    async with storage.transaction() as uow:
        joined = await join(use_case(uow, storage.keyring, NOW), code.lower(), 555, "Trung úy Minh")
        assert joined.id == unit.id
        assert (await uow.officers.of_unit(unit.id, 555)).display_name == "Trung úy Minh"
    async with storage.transaction() as uow:
        with pytest.raises(Refusal) as refusal:
            await join(use_case(uow, storage.keyring, NOW), code, 556, "Người khác")
    assert refusal.value.key == "setup.invite_used"


async def test_an_expired_invite_is_refused(storage: Storage, keyring: Keyring) -> None:
    async with storage.transaction() as uow:
        unit = await add_commune_unit(use_case(uow, storage.keyring, NOW), BEN_THANH, GROUP)
        code = await invite_officer(
            use_case(uow, storage.keyring, NOW), unit.id, lifetime=timedelta(hours=1)
        )
    async with storage.transaction() as uow:
        with pytest.raises(Refusal) as refusal:
            await join(use_case(uow, storage.keyring, NOW + timedelta(hours=2)), code, 555, "Minh")
    assert refusal.value.key == "setup.invite_expired"


async def test_a_made_up_invite_is_refused(storage: Storage, keyring: Keyring) -> None:
    async with storage.transaction() as uow:
        with pytest.raises(Refusal) as refusal:
            await join(use_case(uow, storage.keyring, NOW), "ABCDEFGH", 555, "Minh")
    assert refusal.value.key == "setup.invite_invalid"


async def test_invite_codes_are_stored_only_as_keyed_hashes(
    storage: Storage, keyring: Keyring
) -> None:
    async with storage.transaction() as uow:
        unit = await add_commune_unit(use_case(uow, storage.keyring, NOW), BEN_THANH, GROUP)
        code = await invite_officer(use_case(uow, storage.keyring, NOW), unit.id)
    async with storage.database.engine.connect() as connection:
        stored = (await connection.exec_driver_sql("SELECT code_hash FROM invite")).scalar()
    assert code not in str(stored)


def test_codes_use_only_unambiguous_characters() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 8 and set(code) <= set(ALPHABET) for code in codes)
    assert not set("01OIL") & set(ALPHABET)
