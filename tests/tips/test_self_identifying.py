"""What in a tip's description would tell the police who wrote it, and what would not."""

from __future__ import annotations

import pytest

from bot.domain.tips.self_identifying import Kind, digest, excerpts, find, kinds, mask


def found(text: str, names: tuple[str | None, ...] = ()) -> list[tuple[Kind, str]]:
    return [(finding.kind, text[finding.start : finding.end]) for finding in find(text, names)]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Cần thì gọi tôi 0912345678.", "0912345678"),
        ("Cần thì gọi tôi 0912 345 678.", "0912 345 678"),
        ("Số của tôi 0912.345.678 nhé", "0912.345.678"),
        ("Liên hệ 0387-654-321 buổi tối", "0387-654-321"),
        ("Gọi +84 912 345 678 nếu cần", "+84 912 345 678"),
        ("Gọi 84912345678 nếu cần", "84912345678"),
        ("Số máy bàn nhà tôi 028 3822 1234", "028 3822 1234"),
        ("Goi cho toi 0903 123 456 nhe", "0903 123 456"),
    ],
)
def test_a_vietnamese_phone_number_is_found_however_it_is_grouped(text: str, number: str) -> None:
    assert (Kind.PHONE, number) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Xe máy biển 29A-123.45 chở hàng cấm mỗi tối.",
        "Lúc 21h30 ngày 12/03/2024 có đánh bạc ở quán nước.",
        "Họ thu mỗi người 5.000.000 đồng, có khi 500.000.000 đồng.",
        "Có người bán ma túy ở số 12 ngõ 34 phố Hàng Bông.",
        "Ổ cờ bạc ở nhà số 158/12 đường Lê Lợi, tầng 2.",
        "Họ hẹn nhau lúc 9 giờ tối thứ 7, khoảng 20 người, đi 3 xe ô tô.",
        "Chuyển 123456789 đồng vào tài khoản lạ.",
    ],
)
def test_dates_times_money_plates_and_the_place_of_the_crime_are_not_found(text: str) -> None:
    assert found(text) == []


def test_a_twelve_digit_citizen_id_is_found() -> None:
    assert found("Số CCCD 001203004567 bị họ giữ.") == [(Kind.ID_NUMBER, "001203004567")]


def test_a_nine_digit_identity_card_number_is_found() -> None:
    assert found("Số CMND 025123456, tôi sợ bị trả thù.") == [(Kind.ID_NUMBER, "025123456")]


def test_a_phone_number_is_not_also_an_identity_card_number() -> None:
    assert found("Gọi 0912345678") == [(Kind.PHONE, "0912345678")]


def test_an_email_address_is_found() -> None:
    assert found("Có gì gửi cho tôi qua lan.nguyen84@gmail.com nhé") == [
        (Kind.EMAIL, "lan.nguyen84@gmail.com")
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Tôi là Nguyễn Thị Lan, bán hàng ở chợ.", "Nguyễn Thị Lan, bán hàng ở chợ"),
        ("Tên tôi là Lan.", "Lan"),
        ("Tôi tên là Lan.", "Lan"),
        ("Nhà tôi ở số 12 ngõ 34, họ bán ngay cạnh.", "số 12 ngõ 34, họ bán ngay cạnh"),
        ("Tôi ở số 7 hẻm 3.", "7 hẻm 3"),
        ("Số điện thoại của tôi là không tiện ghi.", "không tiện ghi"),
        ("toi la chu nha tro gan do", "chu nha tro gan do"),
        ("nha toi o ngay canh quan", "ngay canh quan"),
    ],
)
def test_the_writer_speaking_of_themselves_is_found_with_or_without_diacritics(
    text: str, said: str
) -> None:
    assert found(text) == [(Kind.SELF, said)]


def test_words_about_oneself_stop_where_a_detail_of_another_kind_starts() -> None:
    text = "Tôi là chị Phương, gọi tôi 0912 345 678."
    assert found(text, ("Phương", None)) == [
        (Kind.SELF, "chị"),
        (Kind.NAME, "Phương"),
        (Kind.PHONE, "0912 345 678"),
    ]
    assert mask(text, find(text, ("Phương", None))) == "Tôi là [đã che], gọi tôi [đã che]."


def test_the_evening_is_not_the_writer() -> None:
    assert found("Tối là họ tụ tập đánh bạc.") == []


def test_the_persons_own_first_name_is_found_as_a_name() -> None:
    assert found("Hôm qua Lan thấy họ giao hàng.", ("Lan", None)) == [(Kind.NAME, "Lan")]


def test_the_persons_own_last_name_is_found_too() -> None:
    assert found("Chị Lan nhà họ Trịnh biết rõ.", ("Lan", "Trịnh")) == [
        (Kind.NAME, "Lan"),
        (Kind.NAME, "Trịnh"),
    ]


def test_a_name_typed_without_diacritics_is_found() -> None:
    assert found("Hom qua Phuong thay ho giao hang.", ("Phương", None)) == [(Kind.NAME, "Phuong")]


def test_a_word_with_other_diacritics_is_not_the_name() -> None:
    assert found("Công an Phường Bến Thành chưa tới.", ("Phương", None)) == []


def test_a_name_that_is_also_a_word_is_found_only_where_written_as_a_name() -> None:
    text = "An ninh ở đây kém, công an chưa tới, chỉ có anh An biết."
    assert found(text, ("An", None)) == [(Kind.NAME, "An")]


def test_a_one_word_name_at_the_start_of_a_sentence_is_not_found() -> None:
    assert found("Hai người đàn ông bán ma túy. Hai lần rồi.", ("Hai", None)) == []


def test_a_name_of_one_letter_is_never_looked_for() -> None:
    assert found("Anh B thấy hết, anh B nói vậy.", ("B", None)) == []


def test_a_name_of_several_words_is_found_whole() -> None:
    assert found("Người bán là hàng xóm của Thị Lan.", ("Thị Lan", None)) == [
        (Kind.NAME, "Thị Lan")
    ]


def test_a_name_made_of_common_words_is_not_found_where_they_are_words() -> None:
    assert found("Người dân ở đây sợ lắm, người dân không dám nói.", ("Người dân", None)) == []


def test_mask_replaces_each_finding_with_the_catalogs_mask() -> None:
    text = "Tôi là Lan. Gọi 0912 345 678 hoặc lan@gmail.com."
    assert mask(text, find(text)) == "Tôi là [đã che]. Gọi [đã che] hoặc [đã che]."
    assert mask(text, find(text), "en") == "Tôi là [hidden]. Gọi [hidden] hoặc [hidden]."


def test_kinds_are_listed_once_each() -> None:
    text = "Gọi 0912 345 678 hoặc 0987 654 321, email lan@gmail.com"
    assert kinds(find(text)) == [Kind.PHONE, Kind.EMAIL]


def test_the_excerpts_shown_never_hold_a_detail() -> None:
    text = (
        "Có người bán ma túy ở hẻm 12 mỗi tối, rất đông khách ra vào. Nếu cần hỏi thêm "
        "thì gọi cho tôi 0912 345 678 hoặc email lan@gmail.com nhé."
    )
    shown = excerpts(text, find(text))
    assert len(shown) == 2
    assert all("0912" not in line and "lan@" not in line for line in shown)
    assert all("[đã che]" in line and "ma túy" not in line for line in shown)


def test_the_digest_changes_with_the_description() -> None:
    assert digest("Gọi 0912345678") == digest("Gọi 0912345678")
    assert digest("Gọi 0912345678") != digest("Gọi [đã che]")
