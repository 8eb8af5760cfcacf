"""One refusal for every capability: a catalog key and its values, said in the asker's language.

The keys are read from the source (every ``Refusal("…", …)`` raised in bot/ and handlers/), so a
refusal whose text is missing from a catalog, or that leaves a placeholder of its text unfilled,
fails here rather than in front of a resident or an officer."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.i18n import LANGUAGES, catalog, placeholders
from bot.core.refusals import Refusal

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bot", "handlers")


@dataclass(frozen=True)
class Raised:
    """One ``Refusal(...)`` call in the source: its key (a pattern when the key is an f-string)
    and the names of the values it passes (None when it passes ``**values``)."""

    where: str
    key: str
    pattern: bool
    values: frozenset[str] | None


def key_of(node: ast.expr) -> tuple[str, bool] | None:
    """A literal key, or an f-string key as a regular expression; None for a variable."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if isinstance(node, ast.JoinedStr):
        parts = [
            re.escape(part.value) if isinstance(part, ast.Constant) else r"[a-z0-9_]+"
            for part in node.values
        ]
        return "".join(parts), True
    return None


def raised_refusals() -> list[Raised]:
    found: list[Raised] = []
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "Refusal"
                    and node.args
                ):
                    continue
                key = key_of(node.args[0])
                if key is None:
                    continue
                names = [keyword.arg for keyword in node.keywords]
                values = None if None in names else frozenset(n for n in names if n)
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.append(Raised(where, key[0], key[1], values))
    return found


RAISED = raised_refusals()


def test_a_refusal_carries_its_key_and_values() -> None:
    refusal = Refusal("tip.flood", limit=5)
    assert (refusal.key, refusal.values) == ("tip.flood", {"limit": 5})


def test_a_refusal_is_said_in_the_language_asked() -> None:
    refusal = Refusal("tip.flood", limit=5)
    assert refusal.text("vi") != refusal.text("en")
    assert "5" in refusal.text("vi") and "5" in refusal.text("en")


def test_the_key_is_positional_only_so_a_value_may_be_called_key() -> None:
    refusal = Refusal("campaign.unknown_library", key="lottery")
    assert refusal.values == {"key": "lottery"}
    assert "lottery" in refusal.text("en")


def test_the_source_scan_finds_the_refusals_of_every_capability() -> None:
    prefixes = {raised.key.split(".")[0].removesuffix("\\") for raised in RAISED}
    assert {"tip", "tipwork", "setup", "patrol", "campaign", "cli"} <= prefixes


@pytest.mark.parametrize("raised", RAISED, ids=lambda raised: f"{raised.where} {raised.key}")
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_refusal_raised_has_its_text_in_each_catalog(raised: Raised, language: str) -> None:
    """A literal key must be in the catalog, and the values it passes fill all its placeholders;
    a key built at run time (an f-string) must match at least one text it can fill."""
    texts = catalog(language)
    if not raised.pattern:
        assert raised.key in texts
        if raised.values is not None:
            assert placeholders(texts[raised.key]) <= raised.values
        return
    fillable = [
        key
        for key in texts
        if re.fullmatch(raised.key, key)
        and (raised.values is None or placeholders(texts[key]) <= raised.values)
    ]
    assert fillable, f"no {language} text matches {raised.key}"
