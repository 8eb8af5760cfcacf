import pytest

from bot.core.i18n import LANGUAGES, catalog, normalize_language, placeholders, t


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


def test_each_catalog_file_is_named_after_its_one_table_in_both_languages() -> None:
    import tomllib
    from importlib.resources import files

    for language in LANGUAGES:
        for part in files("bot.core.i18n").joinpath(language).iterdir():
            table = tomllib.loads(part.read_text("utf-8"))
            assert list(table) == [part.name.removesuffix(".toml")], f"{language}/{part.name}"


def test_both_languages_have_the_same_catalog_files() -> None:
    from importlib.resources import files

    folders = {
        language: sorted(p.name for p in files("bot.core.i18n").joinpath(language).iterdir())
        for language in LANGUAGES
    }
    assert folders["vi"] == folders["en"] and "tip.toml" in folders["vi"]


def test_a_catalog_file_holding_another_table_is_refused(tmp_path, monkeypatch) -> None:
    import bot.core.i18n as i18n

    (tmp_path / "vi").mkdir()
    (tmp_path / "vi" / "tip.toml").write_text('[card]\nx = "y"\n', "utf-8")
    monkeypatch.setattr(i18n, "files", lambda _package: tmp_path)
    i18n.catalog.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"vi/tip.toml must hold the one table \[tip\]"):
            i18n.catalog("vi")
    finally:
        i18n.catalog.cache_clear()
