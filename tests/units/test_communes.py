"""Commune directory: packaged data, name search and nearest-point lookup."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from bot.domain.units.communes import CommuneDirectory, format_match, format_near

BEN_THANH = "26743"
HCM = "79"
BEN_THANH_MARKET = (10.7725, 106.6980)


@pytest.fixture(scope="module")
def directory() -> CommuneDirectory:
    return CommuneDirectory.load()


def codes(matches) -> list[str]:
    return [m.commune.code for m in matches]


# --- data -------------------------------------------------------------------


def test_directory_has_34_provinces(directory: CommuneDirectory) -> None:
    assert len(directory.provinces()) == 34


def test_directory_has_3321_communes(directory: CommuneDirectory) -> None:
    assert len(directory) == 3321


def test_type_split_is_2621_xa_687_phuong_13_dac_khu(directory: CommuneDirectory) -> None:
    assert Counter(c.type for c in directory.communes()) == {
        "xa": 2621,
        "phuong": 687,
        "dac_khu": 13,
    }


def test_codes_are_zero_padded_strings(directory: CommuneDirectory) -> None:
    assert all(len(c.code) == 5 and c.code.isdigit() for c in directory.communes())
    assert all(len(p.code) == 2 and p.code.isdigit() for p in directory.provinces())
    assert directory.get("00004").name == "Phường Ba Đình"


def test_ben_thanh_is_found_by_code_in_ho_chi_minh_city(directory: CommuneDirectory) -> None:
    commune = directory.get(BEN_THANH)
    assert commune.name == "Phường Bến Thành"
    assert commune.short_name == "Bến Thành"
    assert commune.type == "phuong"
    assert commune.province_code == HCM
    assert directory.province(HCM).name == "Thành phố Hồ Chí Minh"


def test_default_directory_is_loaded_once() -> None:
    assert CommuneDirectory.load() is CommuneDirectory.load()


@pytest.mark.e2e  # runs Python in a process of its own
def test_runtime_does_not_import_the_upstream_dataset_package() -> None:
    code = (
        "import sys; from bot.domain.units.communes import CommuneDirectory; "
        "CommuneDirectory.load().search('ben thanh'); "
        "assert 'vietnamadminunits' not in sys.modules and 'shapely' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- search -----------------------------------------------------------------


@pytest.mark.parametrize("query", ["phuong ben thanh", "P. Bến Thành", "benthanh", "ben than"])
def test_ben_thanh_ranks_first_for_everyday_spellings(
    directory: CommuneDirectory, query: str
) -> None:
    assert codes(directory.search(query))[0] == BEN_THANH


@pytest.mark.parametrize(
    "query", ["ben thanh hcm", "bến thành, hồ chí minh", "tp hcm ben thanh", "TT Bến Thành"]
)
def test_province_words_and_old_prefixes_do_not_hide_the_commune(
    directory: CommuneDirectory, query: str
) -> None:
    assert codes(directory.search(query))[0] == BEN_THANH


def test_address_with_pre_reform_district_still_finds_the_commune(
    directory: CommuneDirectory,
) -> None:
    assert codes(directory.search("123 Lê Lợi, P. Bến Thành, Q.1, TP.HCM"))[0] == BEN_THANH


def test_pre_reform_province_name_points_to_the_merged_province(
    directory: CommuneDirectory,
) -> None:
    top = directory.search("Thủ Dầu Một, Bình Dương")[0].commune
    assert (top.name, top.province_code) == ("Phường Thủ Dầu Một", HCM)


def test_province_in_query_picks_that_province_among_namesakes(
    directory: CommuneDirectory,
) -> None:
    top = directory.search("Tân Phú, Đồng Nai")[0].commune
    assert (top.name, top.province_name) == ("Xã Tân Phú", "Tỉnh Đồng Nai")


def test_shared_name_returns_every_namesake_with_its_province(
    directory: CommuneDirectory,
) -> None:
    hits = [m for m in directory.search("Xã Tân Phú") if m.score == 100]
    assert len(hits) == 5
    assert {m.commune.name for m in hits} == {"Xã Tân Phú"}
    assert len({m.commune.province_code for m in hits}) == 5


def test_namesakes_with_equal_scores_are_ordered_by_province_then_code(
    directory: CommuneDirectory,
) -> None:
    hits = [m.commune for m in directory.search("tan phu") if m.score == 100]
    assert len(hits) == 6  # five xã and Phường Tân Phú in Hồ Chí Minh
    assert hits == sorted(hits, key=lambda c: (c.province_code, c.code))


def test_typed_diacritics_break_ties_between_folded_namesakes(
    directory: CommuneDirectory,
) -> None:
    names = [m.commune.name for m in directory.search("Tân Định")[:3]]
    assert names[:2] == ["Xã Tân Định", "Phường Tân Định"]
    assert names[2] == "Xã Tân Dĩnh"


def test_type_prefix_prefers_that_type(directory: CommuneDirectory) -> None:
    assert directory.search("đặc khu côn đảo")[0].commune.type == "dac_khu"
    assert directory.search("ĐK Côn Đảo")[0].commune.name == "Đặc khu Côn Đảo"


def test_province_filter_keeps_only_that_province(directory: CommuneDirectory) -> None:
    hits = directory.search("tan phu", province_code="75")
    assert hits
    assert {m.commune.province_code for m in hits} == {"75"}
    assert hits[0].commune.name == "Xã Tân Phú"


def test_province_filter_accepts_a_province_alias(directory: CommuneDirectory) -> None:
    assert codes(directory.search("tan phu", province_code="hcm"))[0] == "27031"


def test_unknown_province_filter_returns_empty_list(directory: CommuneDirectory) -> None:
    assert directory.search("ben thanh", province_code="99") == []


def test_limit_caps_the_number_of_results(directory: CommuneDirectory) -> None:
    assert len(directory.search("an", limit=3)) == 3


@pytest.mark.parametrize(
    "query", ["", "   ", "!!!", "x", "asdfghjkl", "qwxzqwxz", "😀😀", "x" * 5000]
)
def test_garbage_input_returns_empty_list(directory: CommuneDirectory, query: str) -> None:
    assert directory.search(query) == []


@pytest.mark.parametrize("query", [None, 26743, b"ben thanh"])
def test_non_text_input_returns_empty_list(directory: CommuneDirectory, query: object) -> None:
    assert directory.search(query) == []  # type: ignore[arg-type]


# --- nearest ----------------------------------------------------------------


def test_nearest_three_to_ben_thanh_market_include_ben_thanh(
    directory: CommuneDirectory,
) -> None:
    near = directory.nearest(*BEN_THANH_MARKET, count=3)
    assert len(near) == 3
    assert BEN_THANH in [c.code for c, _ in near]


def test_nearest_distances_are_ascending_kilometres(directory: CommuneDirectory) -> None:
    distances = [km for _, km in directory.nearest(*BEN_THANH_MARKET, count=3)]
    assert distances == sorted(distances)
    assert 0 <= distances[0] < 2


@pytest.mark.parametrize("point", [(float("nan"), 106.0), (95.0, 106.0), ("north", "east")])
def test_nearest_with_invalid_coordinates_returns_empty_list(
    directory: CommuneDirectory, point: tuple[object, object]
) -> None:
    assert directory.nearest(*point) == []  # type: ignore[arg-type]


# --- CLI lines --------------------------------------------------------------


def test_format_match_shows_code_name_and_province(directory: CommuneDirectory) -> None:
    line = format_match(directory.search("ben thanh")[0])
    assert line == "26743  Phường Bến Thành — Thành phố Hồ Chí Minh (79)"


def test_format_near_appends_distance_in_km(directory: CommuneDirectory) -> None:
    commune = directory.get(BEN_THANH)
    line = format_near(commune, 0.4249)
    assert line == "26743  Phường Bến Thành — Thành phố Hồ Chí Minh (79)  0.42 km"
