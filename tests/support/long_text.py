"""Long, realistic texts for the tests of Telegram's limits, and reading messages that continue."""

from __future__ import annotations

import re
from typing import Any

from sandbox.client import SandboxClient
from sandbox.formatting import utf16_len

SENTENCES = (
    "Tối qua khoảng 22 giờ, tôi thấy ba thanh niên đi xe máy không biển số 🏍️ dừng trước "
    "nhà số 12 hẻm 45 đường Lê Lợi.",
    "Một người đưa gói nhỏ <màu trắng> cho người đàn ông áo đen & nhận tiền 💵 rồi đi ngay.",
    "Chuyện này lặp lại gần như mỗi đêm, hàng xóm ai cũng sợ 😟 nhưng không dám nói.",
    "Người đàn ông áo đen hay ngồi ở quán nước đầu hẻm, cạnh cột điện có dán quảng cáo.",
    "Tôi nghe họ gọi nhau là “anh Tư” và “thằng Bảy” 👮‍♂️ — mong các anh xác minh giúp.",
)


def vietnamese_text(length: int) -> str:
    """Vietnamese with diacritics, emoji (one a ZWJ sequence), ``<`` and ``&``, in lines and
    paragraphs, exactly ``length`` characters long, with no whitespace at either end."""
    pieces: list[str] = []
    number = 0
    while sum(map(len, pieces)) < length:
        pieces.append(SENTENCES[number % len(SENTENCES)])
        number += 1
        pieces.append("\n\n" if number % 7 == 0 else "\n" if number % 3 == 0 else " ")
    text = "".join(pieces)[:length]
    if text[-1].isspace():
        text = text[:-1] + "."
    assert len(text) == length
    return text


def longest_message(units: int = 4096) -> str:
    """A message of exactly ``units`` UTF-16 units (4,096: as long as a person can send)."""
    text = vietnamese_text(units)
    while utf16_len(text) > units:
        text = text[:-1].rstrip()
    return text + "." * (units - utf16_len(text))


def halves(text: str) -> tuple[str, str]:
    """Two messages a resident could send that join (with a line break) into ``text``: each is
    within Telegram's 4,096 UTF-16 units."""
    middle = len(text) // 2
    cut = text.index("\n", middle)
    while text[cut + 1].isspace():
        cut = text.index("\n", cut + 1)
    first, second = text[:cut], text[cut + 1 :]
    assert utf16_len(first) <= 4096 and utf16_len(second) <= 4096
    return first, second


CONTINUED = re.compile(r"\((?:tiếp theo|continued) (\d+)/(\d+)\)")


async def continued_messages(
    client: SandboxClient, chat_id: int, seen: int, head: str
) -> list[dict[str, Any]]:
    """The bot's messages in a chat from the one after ``seen`` whose text starts with ``head``
    through the last part it announces "(tiếp theo n/N)"; waits for all of them."""
    start, count = None, seen + 1
    while start is None:
        messages = await client.wait_for_bot_messages(chat_id, count, timeout=15)
        found = [i for i, m in enumerate(messages) if i >= seen and head in m.get("text", "")]
        start, count = (found[0] if found else None), len(messages) + 1
    messages = await client.wait_for_bot_messages(chat_id, start + 2, timeout=15)
    match = CONTINUED.search(messages[start + 1]["text"].partition("\n")[0])
    assert match is not None, messages[start + 1]["text"][:200]
    total = int(match.group(2))
    messages = await client.wait_for_bot_messages(chat_id, start + total, timeout=15)
    return messages[start : start + total]


def joined_parts(messages: list[dict[str, Any]], first_from: str, first_until: str = "") -> str:
    """The text the messages carry: the first from ``first_from`` on (up to ``first_until``,
    what the first message says after its part), then each continuation without its label
    line (checked to number the parts in order)."""
    first = messages[0]["text"]
    text = first[first.index(first_from) : first.rindex(first_until) if first_until else None]
    for number, message in enumerate(messages[1:], start=2):
        label, _, rest = message["text"].partition("\n")
        match = CONTINUED.search(label)
        assert match is not None and int(match.group(1)) == number
        assert int(match.group(2)) == len(messages)
        text += rest
    return text
