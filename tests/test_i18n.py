import pytest

from bot.i18n import LANGUAGES, catalog, normalize_language, placeholders, t


def test_every_language_has_the_same_messages() -> None:
    keys = {language: set(catalog(language)) for language in LANGUAGES}
    assert keys["en"] == keys["vi"]


@pytest.mark.parametrize("key", sorted(catalog("vi")))
def test_every_message_has_the_same_placeholders_in_each_language(key: str) -> None:
    assert placeholders(catalog("en")[key]) == placeholders(catalog("vi")[key])


def test_vietnamese_is_the_default_and_has_diacritics() -> None:
    assert "Xin chào" in t("start.greeting")
    assert "ẩn danh" in t("start.greeting")


def test_greeting_names_the_emergency_numbers_in_both_languages() -> None:
    for language in LANGUAGES:
        text = t("start.greeting", language)
        assert all(number in text for number in ("113", "114", "115"))


def test_telegram_language_codes_map_to_catalogs() -> None:
    assert normalize_language("en-US") == "en"
    assert normalize_language("fr") == "vi"
    assert normalize_language(None, "en") == "en"


def test_catalogs_are_split_by_capability_in_both_languages() -> None:
    from importlib.resources import files

    folders = {
        language: sorted(p.name for p in files("bot.i18n").joinpath(language).iterdir())
        for language in LANGUAGES
    }
    assert folders["vi"] == folders["en"] and "tips.toml" in folders["vi"]
