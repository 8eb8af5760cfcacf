"""Telegram's text formatting: what a reader sees and the entities Telegram derives.

Telegram parses ``parse_mode`` server-side and refuses malformed markup with
"can't parse entities"; a bot that pastes a resident's ``<`` into an HTML message fails in
production, so the sandbox fails the same way. Offsets and lengths are in UTF-16 code units, as
in the Bot API.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from sandbox.world import ApiError

Entity = dict[str, Any]
HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _refuse(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {reason}")


class _HtmlReader(HTMLParser):
    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=True)
        self.raw = raw
        self.parts: list[str] = []
        self.length = 0  # UTF-16 units so far
        self.open: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[Entity] = []
        lines = raw.split("\n")
        self._line_starts = [0]
        for line in lines[:-1]:
            self._line_starts.append(self._line_starts[-1] + len(line) + 1)

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        index = self._line_starts[line - 1] + column
        return len(self.raw[:index].encode())

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS or (tag == "span" and ("class", "tg-spoiler") not in attrs):
            raise _refuse(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        extra: dict[str, Any] = {}
        values = dict(attrs)
        if tag == "a":
            extra["url"] = values.get("href") or ""
        if tag == "tg-emoji":
            extra["custom_emoji_id"] = values.get("emoji-id") or ""
        if tag == "blockquote" and "expandable" in values:
            extra["type"] = "expandable_blockquote"
        self.open.append((tag, self.length, extra))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            expected = f'"</{self.open[-1][0]}>"' if self.open else "none"
            raise _refuse(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected {expected}, found "</{tag}>"'
            )
        name, start, extra = self.open.pop()
        if self.length > start:
            entity: Entity = {"type": HTML_TAGS[name], "offset": start}
            entity.update(extra)
            entity["length"] = self.length - start
            self.entities.append(entity)


def parse_html(raw: str) -> tuple[str, list[Entity]]:
    reader = _HtmlReader(raw)
    reader.feed(raw)
    reader.close()
    if reader.open:
        tag = reader.open[-1][0]
        raise _refuse(f'Can\'t find end tag corresponding to start tag "{tag}"')
    entities = sorted(reader.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(reader.parts), entities


_MD_PAIRS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def parse_markdown_v2(raw: str) -> tuple[str, list[Entity]]:
    """Bold, italic, underline, strikethrough, spoiler, code, pre and links; every other
    reserved character must be escaped, as Telegram insists."""
    out: list[str] = []
    length = 0
    entities: list[Entity] = []
    open_marks: list[tuple[str, int]] = []
    i, n = 0, len(raw)

    def emit(text: str) -> None:
        nonlocal length
        out.append(text)
        length += utf16_len(text)

    while i < n:
        char = raw[i]
        if char == "\\" and i + 1 < n:
            emit(raw[i + 1])
            i += 2
            continue
        if raw.startswith("```", i):
            end = raw.find("```", i + 3)
            if end == -1:
                raise _refuse(
                    f"Can't find end of Pre entity at byte offset {len(raw[:i].encode())}"
                )
            body = raw[i + 3 : end]
            language, _, rest = body.partition("\n") if "\n" in body else ("", "", body)
            text = re.sub(r"\\(.)", r"\1", rest)
            entity: Entity = {"type": "pre", "offset": length, "length": utf16_len(text)}
            if language:
                entity["language"] = language
            entities.append(entity)
            emit(text)
            i = end + 3
            continue
        if char == "`":
            end = raw.find("`", i + 1)
            if end == -1:
                raise _refuse(
                    f"Can't find end of Code entity at byte offset {len(raw[:i].encode())}"
                )
            text = re.sub(r"\\(.)", r"\1", raw[i + 1 : end])
            entities.append({"type": "code", "offset": length, "length": utf16_len(text)})
            emit(text)
            i = end + 1
            continue
        mark = raw[i : i + 2] if raw[i : i + 2] in ("__", "||") else char
        if mark in _MD_PAIRS:
            if open_marks and open_marks[-1][0] == mark:
                _, start = open_marks.pop()
                if length > start:
                    entities.append(
                        {"type": _MD_PAIRS[mark], "offset": start, "length": length - start}
                    )
            else:
                open_marks.append((mark, length))
            i += len(mark)
            continue
        if char == "[":
            open_marks.append(("[", length))
            i += 1
            continue
        if char == "]" and open_marks and open_marks[-1][0] == "[" and raw.startswith("(", i + 1):
            end = raw.find(")", i + 2)
            if end == -1:
                raise _refuse(f"Can't find end of a url at byte offset {len(raw[:i].encode())}")
            _, start = open_marks.pop()
            url = raw[i + 2 : end].replace("\\)", ")").replace("\\\\", "\\")
            entities.append(
                {"type": "text_link", "offset": start, "length": length - start, "url": url}
            )
            i = end + 1
            continue
        if char == ">" and (i == 0 or raw[i - 1] == "\n"):
            i += 1  # a blockquote line: the quote itself is not modelled
            continue
        if char in MARKDOWN_V2_RESERVED:
            raise _refuse(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(char)
        i += 1
    if open_marks:
        mark, _ = open_marks[-1]
        names = {**_MD_PAIRS, "[": "TextUrl"}
        raise _refuse(f"Can't find end of {names[mark].title()} entity at byte offset {n}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_markdown(raw: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: *bold*, _italic_, `code` and [links](url), no escaping rules."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", raw)
    return re.sub(r"[*_`]", "", text), []


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """The text a reader sees and its entities, per ``parse_mode`` (case-insensitive)."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    if mode:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
    return text, []


def command_entities(text: str) -> list[Entity]:
    """The ``bot_command`` entity Telegram adds when a message starts with a command."""
    match = COMMAND.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]
