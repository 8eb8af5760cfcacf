"""The layers' import contracts: what each package may not import, read from the source (type-only
imports count too: they are dependencies all the same)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("bot", "handlers", "storage", "scheduler")
# `tinbao sandbox` starts the offline Telegram beside the bot: the one bridge between them.
SANDBOX_BRIDGE = Path("bot/cli/sandbox.py")

CONTRACTS: dict[str, tuple[str, ...]] = {
    # The domain is plain Python: no Telegram, no handlers, no runtime, no web server.
    "bot/domain": ("telegram", "handlers", "bot.runtime", "aiohttp", "scheduler", "sandbox"),
    # Storage hides SQL behind repositories and knows nothing above it.
    "storage": ("bot.domain", "bot.runtime", "handlers", "scheduler", "telegram", "sandbox"),
    # Periodic jobs call the domain; they never go through handlers nor talk to Telegram.
    "scheduler": ("handlers", "telegram", "sandbox"),
    # The shared kernel (settings, clock, keyring, logs, catalogs…) sits under every layer.
    "bot/core": ("telegram", "handlers", "bot.runtime", "bot.domain", "storage", "scheduler"),
    # The offline Telegram is a separate program that knows nothing of tinbao.
    "sandbox": PRODUCT,
    "handlers": ("sandbox",),
    "bot": ("sandbox",),
}


def imported_modules(path: Path, root: Path = ROOT) -> list[str]:
    """Every module ``path`` (a file under ``root``) imports, wherever the import stands, named
    absolutely; ``from a import b`` counts as ``a`` and ``a.b`` (``b`` may be a module)."""
    modules: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base: list[str] = []
            if node.level:  # relative: from the file's package, one level up per extra dot
                package = path.relative_to(root).parent.parts
                base = list(package[: len(package) - node.level + 1])
            module = ".".join([*base, *([node.module] if node.module else [])])
            modules.append(module)
            modules.extend(f"{module}.{alias.name}" for alias in node.names)
    return modules


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    assert (ROOT / package).is_dir(), f"no package {package}: move its contract along with it"
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


def test_the_contracts_see_a_module_imported_from_its_package(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from bot import runtime\n")
    assert "bot.runtime" in imported_modules(module, root=tmp_path)


def test_the_contracts_see_a_relative_import_by_its_absolute_name(tmp_path: Path) -> None:
    module = tmp_path / "bot" / "domain" / "m.py"
    module.parent.mkdir(parents=True)
    module.write_text("from ..runtime import context\nfrom . import rules\n")
    assert imported_modules(module, root=tmp_path) == [
        "bot.runtime",
        "bot.runtime.context",
        "bot.domain",
        "bot.domain.rules",
    ]
