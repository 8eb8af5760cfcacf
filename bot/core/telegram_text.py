"""Telegram's length limits, measured the way Telegram measures them, and long texts split to fit.

Telegram refuses a message whose text is longer than 4,096 characters (a caption: 1,024)
*after* it has parsed the formatting: tags count for nothing, an HTML entity such as ``&lt;``
for the one character it stands for, and characters are UTF-16 code units, so an emoji outside
the Basic Multilingual Plane counts two. A text that does not fit is split into parts that each
do, never inside a tag, an entity or a grapheme (an emoji with its modifiers, a flag, a ZWJ
sequence, a letter with its combining marks); formatting open at a cut is closed there and
opened again in the next part. Cuts fall at a paragraph, a line or a space near the limit when
there is one.

Plain Python: no Telegram here.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import regex

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

# A tag, an entity, or one grapheme cluster of text (\X: what a reader sees as one character).
_TOKEN = regex.compile(
    r"<[^<>]*>|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});|\X",
    regex.DOTALL,
)
_TAG_NAME = regex.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
# Where a part may end, best first; a part ends at the best such place in its second half.
_PARAGRAPH, _LINE, _SPACE = 3, 2, 1
_FULL_ENOUGH = 1 / 2
# Continuation labels are measured with this part number and total: room for any real one.
_WIDEST_COUNT = 999


def utf16_len(text: str) -> int:
    """The length of plain text as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    width: int  # visible UTF-16 units; 0 for a tag
    tag: str | None = None  # the tag's name, for a tag
    closing: bool = False


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        if raw.startswith("<") and len(raw) > 1 and raw.endswith(">"):
            name = _TAG_NAME.match(raw)
            if name is not None:
                found.append(_Token(raw, 0, name.group(1).lower(), raw.startswith("</")))
                continue
        shown = html.unescape(raw) if raw.startswith("&") else raw
        found.append(_Token(raw, utf16_len(shown)))
    return found


def visible_length(text: str) -> int:
    """The length Telegram checks against its limits for an HTML ``text``: what a reader sees,
    in UTF-16 code units."""
    return sum(token.width for token in _tokens(text))


def plain_visible_length(text: str) -> int:
    """The same for text sent without ``parse_mode``."""
    return utf16_len(text)


def fits(text: str, limit: int = TEXT_LIMIT) -> bool:
    return visible_length(text) <= limit


def _cut_kind(tokens: list[_Token], index: int) -> int:
    """How good a place to end a part is just after ``tokens[index]``."""
    raw = tokens[index].raw
    if raw == "\n":
        before = index - 1
        while before >= 0 and tokens[before].tag is not None:
            before -= 1
        return _PARAGRAPH if before >= 0 and tokens[before].raw == "\n" else _LINE
    if raw.isspace():
        return _SPACE
    return 0


def _end_of_part(tokens: list[_Token], start: int, room: int) -> int:
    """Where the part starting at ``start`` ends (exclusive) so that it shows at most ``room``."""
    used, end = 0, start
    best: dict[int, tuple[int, int]] = {}  # kind → (end, width) of the latest such cut
    while end < len(tokens):
        token = tokens[end]
        if token.width and used + token.width > room:
            break
        used += token.width
        end += 1
        kind = _cut_kind(tokens, end - 1)
        if kind:
            best[kind] = (end, used)
    if end == len(tokens):
        return end
    for kind in (_PARAGRAPH, _LINE, _SPACE):
        if kind in best and best[kind][1] >= room * _FULL_ENOUGH:
            end = best[kind][0]
            break
    while end > start and tokens[end - 1].tag is not None and not tokens[end - 1].closing:
        end -= 1  # a tag opened just before the cut belongs to the next part
    if end == start and room > 0 and tokens[start].width > room:
        end = start + 1  # one grapheme wider than the room: it must go somewhere
    while end < len(tokens) and tokens[end].closing:
        end += 1  # closing tags right after the cut end this part
    return end


def split_html(text: str, limit: int = TEXT_LIMIT, first: int | None = None) -> list[str]:
    """``text`` (HTML as Telegram reads it) in parts that each show at most ``limit`` UTF-16
    units (the first at most ``first``, which may be 0: then the first part is empty). Tags open
    at a cut are closed at the end of the part and opened again at the start of the next; the
    parts' visible texts, joined, are the visible text of ``text``."""
    tokens = _tokens(text)
    parts: list[str] = []
    open_tags: list[_Token] = []
    start, room = 0, limit if first is None else max(first, 0)
    while start < len(tokens) or not parts:
        end = _end_of_part(tokens, start, room) if start < len(tokens) else start
        reopened = "".join(token.raw for token in open_tags)
        for token in tokens[start:end]:
            if token.tag is None:
                continue
            if not token.closing:
                open_tags.append(token)
            elif open_tags and open_tags[-1].tag == token.tag:
                open_tags.pop()
        closed = "".join(f"</{token.tag}>" for token in reversed(open_tags))
        parts.append(reopened + "".join(token.raw for token in tokens[start:end]) + closed)
        start, room = end, limit
    return parts


def continued(
    frame: Callable[[str], str],
    body: str,
    label: Callable[[int, int], str],
    limit: int = TEXT_LIMIT,
    first_room: int | None = None,
) -> list[str]:
    """The messages that carry ``body`` (HTML) whole: the first is ``frame(first part)``, each
    further one ``label(number, total)``, a line break and the next part. The first part gets
    what the frame leaves of ``limit`` (or ``first_room``, when the frame must leave the same
    room each time it is rendered)."""
    room = limit - visible_length(frame("")) if first_room is None else first_room
    more = limit - visible_length(label(_WIDEST_COUNT, _WIDEST_COUNT)) - 1
    head, *rest = split_html(body, more, first=room)
    total = 1 + len(rest)
    return [frame(head)] + [
        f"{label(number, total)}\n{part}" for number, part in enumerate(rest, start=2)
    ]
