"""Message catalogs: every text a person reads comes from here (Vietnamese first, English second).

Each language is a folder of TOML files, one per top-level table and named after it
(``vi/tip.toml`` holds ``[tip]``, ``vi/card.toml`` holds ``[card]`` …), so a message id's first
part says which file it is in. Placeholders use ``str.format`` names; a test checks that every
language has the same files, ids and placeholders.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from string import Formatter
from typing import Any

LANGUAGES: tuple[str, ...] = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


@cache
def catalog(language: str) -> dict[str, str]:
    """All messages of ``language`` as a flat id → text mapping."""
    flat: dict[str, str] = {}
    folder = files(__package__).joinpath(language)
    for part in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not part.name.endswith(".toml"):
            continue
        table = tomllib.loads(part.read_text("utf-8"))
        name = part.name.removesuffix(".toml")
        if list(table) != [name]:
            raise ValueError(f"{language}/{part.name} must hold the one table [{name}]")
        _flatten("", table, flat)
    return flat


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def normalize_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Map a Telegram language_code such as "en-US" to a supported catalog."""
    if code:
        base = code.split("-", 1)[0].lower()
        if base in LANGUAGES:
            return base
    return default


def t(key: str, language: str = DEFAULT_LANGUAGE, /, **values: object) -> str:
    """The text ``key`` in ``language`` (falling back to Vietnamese), formatted with ``values``."""
    text = catalog(language).get(key) or catalog(DEFAULT_LANGUAGE)[key]
    return text.format(**values) if values else text
