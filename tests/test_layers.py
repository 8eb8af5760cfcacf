"""The layers' import contracts: what each package may not import, read from the source (type-only
imports count too: they are dependencies all the same)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("bot", "handlers", "storage", "scheduler")
# `tinbao sandbox` starts the offline Telegram beside the bot: the one bridge between them.
SANDBOX_BRIDGE = Path("bot/sandbox_mode.py")

CONTRACTS: dict[str, tuple[str, ...]] = {
    # The shared kernel serves every layer and so depends on none of them.
    "bot/core": ("telegram", "handlers", "bot.runtime", "storage"),
    # The domain is plain Python: no Telegram, no handlers, no runtime, no web server.
    "bot/domain": ("telegram", "handlers", "bot.runtime", "aiohttp", "scheduler", "sandbox"),
    # Storage hides SQL behind repositories and knows nothing above it.
    "storage": ("bot.domain", "bot.runtime", "handlers", "scheduler", "telegram", "sandbox"),
    # Periodic jobs call the domain; they never go through handlers.
    "scheduler": ("handlers", "sandbox"),
    # The offline Telegram is a separate program that knows nothing of tinbao.
    "sandbox": PRODUCT,
    "handlers": ("sandbox",),
    "bot": ("sandbox",),
}


def imported_modules(path: Path) -> list[str]:
    """Every absolute module ``path`` imports, wherever the import stands."""
    modules: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.append(node.module)
    return modules


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative == SANDBOX_BRIDGE:
            continue
        for module in imported_modules(path):
            if any(module == name or module.startswith(f"{name}.") for name in forbidden):
                found.append(f"{relative} imports {module}")
    return found


@pytest.mark.parametrize("package", sorted(CONTRACTS))
def test_a_package_imports_nothing_its_layer_forbids(package: str) -> None:
    assert violations(package, CONTRACTS[package]) == []


def test_the_contracts_see_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import telegram\n")
    assert "telegram" in imported_modules(module)
