"""Measuring and splitting HTML text the way Telegram counts it (bot/core/telegram_text.py).

Every part is checked with the sandbox's own parser, which refuses malformed HTML as Telegram
does and returns the visible text."""

from __future__ import annotations

import html

from bot.core.telegram_text import (
    continued,
    fits,
    split_html,
    utf16_len,
    visible_length,
)
from sandbox.formatting import parse_html

FLAG = "🇻🇳"  # two regional indicators: 4 UTF-16 units, one grapheme
FAMILY = "👨‍👩‍👧‍👦"  # a ZWJ sequence: 11 UTF-16 units, one grapheme
DECOMPOSED = "Vie\u0323\u0302t"  # "Việt" typed with combining marks


def visible(part: str) -> str:
    return parse_html(part)[0]


def test_an_emoji_counts_two_utf16_units():
    assert visible_length("Cháy 🔥") == 7
    assert utf16_len("🔥") == 2


def test_an_html_entity_counts_as_the_one_character_it_stands_for():
    assert visible_length("a &lt; b &amp;&amp; c&#39;") == len("a < b && c'")


def test_tags_count_for_nothing():
    assert visible_length('<b>Tin</b> <a href="https://x.vn/a">báo</a>') == len("Tin báo")


def test_a_text_exactly_at_the_limit_stays_one_message():
    text = html.escape("Đường Lê Lợi <có> & 🔥 ") * 50
    limit = visible_length(text)
    assert split_html(text, limit) == [text]
    assert fits(text, limit)
    assert not fits(text, limit - 1)


def test_a_split_never_cuts_an_entity():
    text = "ab&amp;cd"
    for limit in range(1, 6):
        parts = split_html(text, limit)
        assert "".join(visible(part) for part in parts) == "ab&cd"
        assert all("&" not in part or "&amp;" in part for part in parts)


def test_a_split_never_cuts_a_surrogate_pair_or_a_grapheme():
    text = f"a🔥{FLAG}{FAMILY}{DECOMPOSED}b" * 3
    for limit in range(11, 30):
        parts = split_html(text, limit)
        assert "".join(parts) == text
        assert all(utf16_len(part) <= limit for part in parts)
        for part in parts:
            part.encode("utf-8")  # a lone surrogate would not encode
            assert "\u200d" not in (part[0], part[-1])
            assert not part.startswith(("\u0323", "\u0302", "\U0001f1f3"))


def test_tags_open_at_a_cut_are_closed_and_opened_again():
    text = '<b>Tin báo <i>khẩn</i> ở <a href="https://x.vn">Phường Bến Thành</a></b>'
    parts = split_html(text, 8)
    assert len(parts) > 1
    assert "".join(visible(part) for part in parts) == visible(text)
    assert all(visible_length(part) <= 8 for part in parts)
    assert parts[1].startswith("<b>")
    assert any(part.startswith('<b><a href="https://x.vn">') for part in parts)


def test_a_cut_prefers_a_paragraph_then_a_line_then_a_space():
    paragraph = "Đoạn một có vài chữ.\n\nĐoạn hai dài hơn một chút nữa."
    assert split_html(paragraph, 40)[0] == "Đoạn một có vài chữ.\n\n"
    line = "Dòng một có vài chữ.\nDòng hai dài hơn một chút nữa."
    assert split_html(line, 40)[0] == "Dòng một có vài chữ.\n"
    words = "một hai ba bốn năm sáu bảy tám chín mười"
    assert split_html(words, 12)[0] == "một hai ba "


def test_a_word_longer_than_the_limit_is_cut_hard():
    parts = split_html("x" * 25, 10)
    assert parts == ["x" * 10, "x" * 10, "x" * 5]


def test_continued_messages_carry_the_whole_body_under_a_numbered_label():
    body = html.escape("Người dân báo <tin> & 🔥 ") * 40

    def frame(part: str) -> str:
        return f"<b>Thẻ</b>\n{part}"

    def label(number: int, total: int) -> str:
        return f"(tiếp theo {number}/{total})"

    messages = continued(frame, body, label, limit=300)
    total = len(messages)
    assert total > 2
    assert all(visible_length(message) <= 300 for message in messages)
    shown = visible(messages[0]).removeprefix("Thẻ\n")
    for number, message in enumerate(messages[1:], start=2):
        head, _, rest = visible(message).partition("\n")
        assert head == f"(tiếp theo {number}/{total})"
        shown += rest
    assert shown == visible(body)
